package sched_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/sync"
)

// counters makes n goroutines that each add to a shared counter steps
// times: every interleaving is a different schedule.
func counters(n, steps int) func() []func() {
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

// explore runs an Explorer with the given bound to its end and returns the
// schedules of its runs.
func explore(t *testing.T, bound int, setup func() []func()) ([]string, sched.Coverage) {
	t.Helper()
	x := sched.NewExplorer(bound)
	var out []string
	for x.Next() {
		res := sched.Run(sched.Options{Strategy: x}, setup()...)
		out = append(out, res.Schedule.String())
		if p := res.Schedule.Preemptions(); p > bound {
			t.Fatalf("run %s has %d preemptions, over the bound %d", res.Schedule, p, bound)
		}
		if len(out) > 100000 {
			t.Fatal("the exploration does not end")
		}
	}
	return out, x.Coverage()
}

// TestExplorerExhaustive: the explorer makes each schedule with at most k
// preemptions exactly once, and every schedule a random walk makes with at
// most k preemptions is among them.
func TestExplorerExhaustive(t *testing.T) {
	cases := []struct {
		name  string
		setup func() []func()
		bound int
	}{
		{"2x3 atomics, bound 0", counters(2, 3), 0},
		{"2x3 atomics, bound 1", counters(2, 3), 1},
		{"2x3 atomics, bound 2", counters(2, 3), 2},
		{"3x2 atomics, bound 2", counters(3, 2), 2},
		{"2x4 atomics, bound 3", counters(2, 4), 3},
		{"mutex, bound 2", mutexPair, 2},
		{"select, bound 2", selectPair, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, cov := explore(t, tc.bound, tc.setup)
			if !cov.Complete || cov.Divergent != 0 || cov.Schedules != len(got) {
				t.Fatalf("coverage %+v after %d runs", cov, len(got))
			}
			seen := map[string]bool{}
			for _, s := range got {
				if seen[s] {
					t.Fatalf("schedule %s made twice", s)
				}
				seen[s] = true
			}
			if tc.bound == 0 && len(got) != 1 {
				t.Fatalf("bound 0: %d schedules, want 1", len(got))
			}
			for seed := range uint64(1000) {
				res := sched.Run(sched.Options{Strategy: sched.Random(seed)}, tc.setup()...)
				if res.Schedule.Preemptions() <= tc.bound && !seen[res.Schedule.String()] {
					t.Fatalf("a random walk made %s, which the exploration missed", res.Schedule)
				}
			}
			t.Logf("%s", cov)
		})
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

// selectPair: a select with two ready cases, and a goroutine racing it.
func selectPair() []func() {
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

// TestExplorerCounts pins the number of schedules of a small program: two
// goroutines of three atomic steps.
func TestExplorerCounts(t *testing.T) {
	var counts []int
	for bound := range 4 {
		got, _ := explore(t, bound, counters(2, 3))
		counts = append(counts, len(got))
	}
	// Each goroutine has its start, 3 steps and its end: the counts grow
	// with the bound up to every interleaving.
	for i := 1; i < len(counts); i++ {
		if counts[i] <= counts[i-1] {
			t.Fatalf("counts by bound %v do not grow", counts)
		}
	}
	t.Logf("schedules by bound 0..3: %v", counts)
}

// ctsHolders runs two goroutines that each take a checkThenSet lock once
// and reports, through bad, whether both held it at once.
func ctsHolders(bad *bool) func() []func() {
	return func() []func() {
		*bad = false
		l := new(checkThenSet)
		var holders int32
		body := func() {
			l.Lock()
			if atomic.AddInt32(&holders, 1) > 1 {
				*bad = true
			}
			atomic.AddInt32(&holders, -1)
			l.Unlock()
		}
		return []func(){body, body}
	}
}

// TestExploreFindsFewest: iterative deepening finds check-then-set's race
// (both goroutines in the critical section at once) with the fewest
// preemptions: an exploration with one fewer passes; and the failing
// schedule replays.
func TestExploreFindsFewest(t *testing.T) {
	var bad bool
	setup := ctsHolders(&bad)
	cov, res := sched.Explore(sched.Options{}, 2, 0, setup, func(*sched.Result) bool { return bad })
	if res == nil {
		t.Fatalf("no failure found; %s", cov)
	}
	p := res.Schedule.Preemptions()
	if p != cov.Bound || p == 0 {
		t.Fatalf("failure with %d preemptions at bound %d", p, cov.Bound)
	}
	sched.Run(sched.Options{Strategy: sched.Replay(res.Schedule)}, setup()...)
	if !bad {
		t.Fatalf("replaying %s does not fail", res.Schedule)
	}
	cov0, res0 := sched.Explore(sched.Options{}, p-1, 0, setup, func(*sched.Result) bool { return bad })
	if res0 != nil || !cov0.Complete {
		t.Fatalf("bound %d: %v, %s", p-1, res0.Schedule, cov0)
	}
	t.Logf("caught with %d preemptions (%s); %s pass", p, res.Schedule, cov0)
}

// TestExplorePassesCorrect: a correct spin lock passes every schedule of
// two goroutines with at most 2 preemptions, and the coverage says so.
func TestExplorePassesCorrect(t *testing.T) {
	var bad bool
	setup := func() []func() {
		bad = false
		l := new(casLock)
		var holders int32
		body := func() {
			for range 2 {
				l.Lock()
				if atomic.AddInt32(&holders, 1) > 1 {
					bad = true
				}
				atomic.AddInt32(&holders, -1)
				l.Unlock()
			}
		}
		return []func(){body, body}
	}
	cov, res := sched.Explore(sched.Options{}, 2, 0, setup, func(*sched.Result) bool { return bad })
	if res != nil {
		t.Fatalf("a correct lock failed on %s", res.Schedule)
	}
	if !cov.Complete || cov.Schedules < 10 || !strings.HasPrefix(cov.String(), "all ") {
		t.Fatalf("coverage %+v: %s", cov, cov)
	}
	t.Log(cov)
}

// TestExploreLimit: a run limit stops the exploration, and the coverage
// says it is not complete.
func TestExploreLimit(t *testing.T) {
	cov, res := sched.Explore(sched.Options{}, 2, 5, counters(2, 3), func(*sched.Result) bool { return false })
	if res != nil || cov.Complete || !strings.Contains(cov.String(), "stopped") {
		t.Fatalf("coverage %+v: %s", cov, cov)
	}
}

func TestCoverageString(t *testing.T) {
	cases := []struct {
		c    sched.Coverage
		want string
	}{
		{sched.Coverage{Bound: 2, Schedules: 1234, Complete: true}, "all 1,234 schedules with at most 2 preemptions"},
		{sched.Coverage{Bound: 1, Schedules: 1, Complete: true}, "the only schedule with at most 1 preemption"},
		{sched.Coverage{Bound: 0, Schedules: 7}, "7 schedules with at most 0 preemptions run (the exploration was stopped before it was complete)"},
		{sched.Coverage{Bound: 2, Schedules: 9, Divergent: 2}, "9 schedules with at most 2 preemptions run, not exhaustive: 2 runs did not replay their path (the code does something the scheduler does not control)"},
	}
	for _, tc := range cases {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

// ExampleExplore proves a small program correct for every schedule with
// at most two preemptions, and finds the race of a broken one.
func ExampleExplore() {
	setup := func(atomicAdd bool, lost *bool) func() []func() {
		return func() []func() {
			var x int32
			inc := func() {
				if atomicAdd {
					atomic.AddInt32(&x, 1)
					return
				}
				v := atomic.LoadInt32(&x) // read, then write: not atomic
				atomic.StoreInt32(&x, v+1)
			}
			check := func() { // runs when both are done
				*lost = atomic.LoadInt32(&x) != 2
			}
			return []func(){func() {
				var wg sync.WaitGroup
				wg.Add(2)
				go2 := func() { inc(); wg.Done() }
				sched.Go(go2)
				sched.Go(go2)
				wg.Wait()
				check()
			}}
		}
	}
	for _, atomicAdd := range []bool{true, false} {
		var lost bool
		cov, res := sched.Explore(sched.Options{}, 2, 0, setup(atomicAdd, &lost), func(*sched.Result) bool { return lost })
		if res != nil {
			fmt.Printf("lost update with %d preemption(s): %s\n", res.Schedule.Preemptions(), res.Schedule)
			continue
		}
		fmt.Println("no lost update in", cov)
	}
	// Output:
	// no lost update in all 26 schedules with at most 2 preemptions
	// lost update with 1 preemption(s): v1-6g2
}
