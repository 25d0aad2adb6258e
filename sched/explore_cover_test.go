package sched_test

import (
	"fmt"
	"strings"
	"testing"
	stdtime "time"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/sync"
	schedtime "github.com/lockcheck/lockcheck/sched/time"
)

// adders makes n goroutines that each add to a shared counter steps times.
func adders(n, steps int) func() []func() {
	return func() []func() {
		var x int32
		gs := make([]func(), n)
		for i := range gs {
			gs[i] = func() {
				for range steps {
					atomic.AddInt32(&x, 1)
				}
			}
		}
		return gs
	}
}

// mutexPair: two goroutines take a mutex twice each.
func mutexPair() []func() {
	var mu sync.Mutex
	n := 0
	body := func() {
		for range 2 {
			mu.Lock()
			n++
			mu.Unlock()
		}
	}
	return []func(){body, body}
}

// selectRace: a select with two ready cases, and a goroutine racing it.
func selectRace() []func() {
	a, b := make(chan int, 1), make(chan int, 1)
	a <- 1
	b <- 2
	var x int32
	return []func(){
		func() {
			sched.Select(false, sched.OnRecv(a), sched.OnRecv(b))
			atomic.AddInt32(&x, 1)
		},
		func() { atomic.AddInt32(&x, 1) },
	}
}

// TestExploreCoversRandomWalks cross-checks Explore against an independent
// sampler: every schedule that random walks make with at most k choices
// off the default rule (so at most k preemptions) is among the schedules
// Explore runs at bound k, and the last level runs each schedule once.
func TestExploreCoversRandomWalks(t *testing.T) {
	cases := []struct {
		name  string
		setup func() []func()
		bound int
	}{
		{"2x3 atomics, bound 1", adders(2, 3), 1},
		{"2x3 atomics, bound 2", adders(2, 3), 2},
		{"3x2 atomics, bound 2", adders(3, 2), 2},
		{"mutex, bound 2", mutexPair, 2},
		{"select, bound 1", selectRace, 1},
	}
	for _, strict := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s, strict %v", tc.name, strict), func(t *testing.T) {
				exploreCovers(t, tc.setup, tc.bound, strict)
			})
		}
	}
}

// exploreCovers runs the cross-check of TestExploreCoversRandomWalks on
// the goroutines setup makes.
func exploreCovers(t *testing.T, setup func() []func(), bound int, strict bool) {
	seen := map[string]int{}
	st := sched.Explore(sched.ExploreOptions{Bound: bound, Strict: strict}, func(s sched.Strategy) bool {
		res := sched.Run(sched.Options{Strategy: s}, setup()...)
		seen[res.Schedule.String()]++
		if strict && res.Schedule.Preemptions() > bound {
			t.Errorf("strict: %s has more than %d choices", res.Schedule, bound)
		}
		return false
	})
	if !st.Complete || st.Diverged != 0 {
		t.Fatalf("%+v", st)
	}
	if last := st.PerBound[bound]; len(seen) != last {
		t.Fatalf("%d distinct schedules, but the last level made %d runs", len(seen), last)
	}
	for seed := range uint64(1000) {
		res := sched.Run(sched.Options{Strategy: sched.Random(seed)}, setup()...)
		if res.Schedule.Preemptions() <= bound && seen[res.Schedule.String()] == 0 {
			t.Fatalf("a random walk made %s, which the exploration missed", res.Schedule)
		}
	}
	t.Logf("%d schedules (%+v)", len(seen), st)
}

// TestExploreTimers: a timeout racing with a goroutine that is still
// running is explored only with ExploreOptions.Timers (time otherwise moves
// only when nothing can run), and the schedule that fires the timer early
// replays.
func TestExploreTimers(t *testing.T) {
	var got int32
	run := func(s sched.Strategy) *sched.Result {
		got = 0
		ch := make(chan int)
		return sched.Run(sched.Options{Strategy: s},
			func() {
				switch sched.Select(false, sched.OnRecv(ch), sched.OnRecv(schedtime.After(stdtime.Millisecond))) {
				case 0:
					atomic.StoreInt32(&got, 1)
				case 1:
					atomic.StoreInt32(&got, 2)
					sched.Recv(ch)
				}
			},
			func() {
				var x int32
				atomic.AddInt32(&x, 1)
				atomic.AddInt32(&x, 1)
				sched.Send(ch, 1)
			})
	}
	for _, timers := range []bool{false, true} {
		var found *sched.Result
		st := sched.Explore(sched.ExploreOptions{Bound: 2, Strict: true, Timers: timers}, func(s sched.Strategy) bool {
			res := run(s)
			if atomic.LoadInt32(&got) == 2 {
				found = res
				return true
			}
			return false
		})
		switch {
		case !timers && (found != nil || !st.Complete):
			t.Fatalf("without Timers the timer fired early: %+v", st)
		case timers && found == nil:
			t.Fatalf("with Timers the early timeout was not found: %+v", st)
		case timers:
			if !strings.Contains(found.Schedule.String(), "t") {
				t.Fatalf("schedule %s has no timer choice", found.Schedule)
			}
			p, err := sched.ParseSchedule(found.Schedule.String())
			if err != nil {
				t.Fatal(err)
			}
			run(sched.Replay(p))
			if atomic.LoadInt32(&got) != 2 {
				t.Fatalf("replaying %s does not fire the timer early", found.Schedule)
			}
			t.Logf("found %s after %+v", found.Schedule, st)
		}
	}
}
