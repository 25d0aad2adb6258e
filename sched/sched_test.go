package sched_test

import (
	"errors"
	"reflect"
	"strings"
	stdtime "time"

	"github.com/lockcheck/lockcheck/sched/sync"
	"github.com/lockcheck/lockcheck/sched/time"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
)

// checkThenSet is a broken lock: the check and the set are two atomic steps.
type checkThenSet struct{ state int32 }

func (l *checkThenSet) Lock() {
	for atomic.LoadInt32(&l.state) != 0 {
		sched.Gosched()
	}
	atomic.StoreInt32(&l.state, 1)
}

func (l *checkThenSet) Unlock() { atomic.StoreInt32(&l.state, 0) }

// casLock is a correct spin lock.
type casLock struct{ state int32 }

func (l *casLock) Lock() {
	for !atomic.CompareAndSwapInt32(&l.state, 0, 1) {
		sched.Gosched()
	}
}

func (l *casLock) Unlock() { atomic.StoreInt32(&l.state, 0) }

type locker interface {
	Lock()
	Unlock()
}

// mutualExclusion runs n goroutines that each take l twice, and reports
// whether two ever held it at once.
func mutualExclusion(s sched.Strategy, l locker, n int) (violated bool, res *sched.Result) {
	var holders int32
	body := func() {
		for i := 0; i < 2; i++ {
			l.Lock()
			if atomic.AddInt32(&holders, 1) > 1 {
				violated = true
			}
			atomic.AddInt32(&holders, -1)
			l.Unlock()
		}
	}
	gs := make([]func(), n)
	for i := range gs {
		gs[i] = body
	}
	res = sched.Run(sched.Options{Strategy: s}, gs...)
	return violated, res
}

func TestSmoke(t *testing.T) {
	v, res := mutualExclusion(sched.PCT(1, 2), &casLock{}, 2)
	t.Logf("violated=%v res=%+v", v, res)
}

// firstCatch returns the first seed in [0, limit) at which check reports
// a failure under the strategy mk(seed), and how many seeds failed.
func firstCatch(limit uint64, mk func(seed uint64) sched.Strategy, check func(sched.Strategy) bool) (first int, count int) {
	first = -1
	for seed := uint64(0); seed < limit; seed++ {
		if check(mk(seed)) {
			count++
			if first < 0 {
				first = int(seed)
			}
		}
	}
	return first, count
}

// The check-then-set lock admits two holders; PCT and Random find it within
// a few hundred runs, at seeds fixed here (the runs are deterministic, so
// these figures are exact; a strategy that never interleaved would find
// nothing, as the default rule shows).
func TestCheckThenSetCaught(t *testing.T) {
	broken := func(s sched.Strategy) bool { v, _ := mutualExclusion(s, &checkThenSet{}, 2); return v }
	_, def := mutualExclusion(nil, &checkThenSet{}, 2)
	defaultSteps := def.Steps
	cases := []struct {
		name       string
		mk         func(uint64) sched.Strategy
		wantFirst  int
		wantCount  int
		maxRunsCap uint64
	}{
		{"PCT(d=3)", func(s uint64) sched.Strategy { return sched.PCT(s, 3) }, 20, 2, 300},
		{"PCT(d=3, k=steps of a default run)", func(s uint64) sched.Strategy { return sched.PCTWithLength(s, 3, defaultSteps) }, 29, 8, 300},
		{"Random", func(s uint64) sched.Strategy { return sched.Random(s) }, 2, 115, 300},
		{"default rule", func(uint64) sched.Strategy { return nil }, -1, 0, 300},
	}
	for _, c := range cases {
		first, count := firstCatch(c.maxRunsCap, c.mk, broken)
		t.Logf("%s: first caught at seed %d, %d/%d seeds", c.name, first, count, c.maxRunsCap)
		if first != c.wantFirst || count != c.wantCount {
			t.Errorf("%s: first %d count %d, want first %d count %d", c.name, first, count, c.wantFirst, c.wantCount)
		}
	}
}

// The correct CAS lock never admits two holders, nor deadlocks, nor
// livelocks (its spinning is parked), over many seeds.
func TestCorrectLockNeverFails(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		for _, s := range []sched.Strategy{sched.PCT(seed, 3), sched.Random(seed)} {
			v, res := mutualExclusion(s, &casLock{}, 3)
			if v || res.Deadlock || res.StepLimit || res.Escaped != "" {
				t.Fatalf("seed %d: violated=%v %+v", seed, v, res)
			}
		}
	}
}

// lostWakeup is a lock with a lost wake-up: Unlock checks for waiters
// before a failed Lock has registered as one.
type lostWakeup struct {
	state, waiting int32
	wake           chan struct{}
}

func (l *lostWakeup) Lock() {
	for !atomic.CompareAndSwapInt32(&l.state, 0, 1) {
		atomic.AddInt32(&l.waiting, 1)
		sched.Recv(l.wake)
		atomic.AddInt32(&l.waiting, -1)
	}
}

func (l *lostWakeup) Unlock() {
	atomic.StoreInt32(&l.state, 0)
	if atomic.LoadInt32(&l.waiting) > 0 {
		sched.Select(true, sched.OnSend(l.wake, struct{}{}))
	}
}

func TestLostWakeupDeadlock(t *testing.T) {
	first, count := firstCatch(100, func(s uint64) sched.Strategy { return sched.Random(s) }, func(s sched.Strategy) bool {
		_, res := mutualExclusion(s, &lostWakeup{wake: make(chan struct{})}, 2)
		if !res.Deadlock {
			return false
		}
		if len(res.Blocked) != 1 || res.Blocked[0].Op != "chan receive" || !strings.HasPrefix(res.Blocked[0].Pos, "sched_test.go:") {
			t.Fatalf("blocked %+v", res.Blocked)
		}
		return true
	})
	t.Logf("lost wake-up: first at seed %d, %d/100", first, count)
	if first < 0 {
		t.Fatal("lost wake-up not found")
	}
}

// Replay(res.Schedule) reproduces the run: the same trace, event by event.
func TestReplayReproducesTrace(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		run := func(s sched.Strategy) (*sched.Result, bool) {
			l := &checkThenSet{}
			var holders int32
			violated := false
			body := func() {
				for i := 0; i < 2; i++ {
					l.Lock()
					if atomic.AddInt32(&holders, 1) > 1 {
						violated = true
					}
					atomic.AddInt32(&holders, -1)
					l.Unlock()
				}
			}
			return sched.Run(sched.Options{Strategy: s, Trace: true}, body, body, body), violated
		}
		res, v := run(sched.Random(seed))
		text := res.Schedule.String()
		parsed, err := sched.ParseSchedule(text)
		if err != nil {
			t.Fatal(err)
		}
		again, v2 := run(sched.Replay(parsed))
		if v != v2 || !reflect.DeepEqual(res, again) {
			t.Fatalf("seed %d: replay differs\n%v\n%v", seed, res.Trace, again.Trace)
		}
		if len(res.Trace) != res.Steps {
			t.Fatalf("trace has %d events for %d steps", len(res.Trace), res.Steps)
		}
	}
}

// Same functions and same seed: the same Result.
func TestDeterminism(t *testing.T) {
	for _, mk := range []func() sched.Strategy{
		func() sched.Strategy { return sched.PCT(42, 3) },
		func() sched.Strategy { return sched.Random(42) },
	} {
		var first *sched.Result
		for i := 0; i < 5; i++ {
			_, res := mutualExclusion(mk(), &lostWakeup{wake: make(chan struct{})}, 3)
			if first == nil {
				first = res
			} else if !reflect.DeepEqual(first, res) {
				t.Fatalf("run %d differs: %+v vs %+v", i, first, res)
			}
		}
	}
}

// A lost update needs exactly one preemption (between the load and the
// store of the first goroutine): Minimize reduces a random failing
// schedule to one preemption.
func TestMinimizeToOnePreemption(t *testing.T) {
	lostUpdate := func(s sched.Strategy) (bool, *sched.Result) {
		var x int32
		inc := func() {
			for i := 0; i < 3; i++ {
				v := atomic.LoadInt32(&x)
				atomic.StoreInt32(&x, v+1)
			}
		}
		res := sched.Run(sched.Options{Strategy: s}, inc, inc, inc)
		return x != 9, res
	}
	if failed, _ := lostUpdate(nil); failed {
		t.Fatal("the default rule (no preemption) must not fail")
	}
	var failing sched.Schedule
	for seed := uint64(0); ; seed++ {
		if failed, res := lostUpdate(sched.Random(seed)); failed && res.Schedule.Preemptions() > 3 {
			failing = res.Schedule
			break
		}
	}
	runs := 0
	min := sched.Minimize(failing, func(s sched.Schedule) bool {
		runs++
		failed, _ := lostUpdate(sched.Replay(s))
		return failed
	})
	t.Logf("minimised %v (%d choices) to %v in %d runs", failing, failing.Preemptions(), min, runs)
	if min.Preemptions() != 1 {
		t.Fatalf("minimised to %d preemptions, want 1", min.Preemptions())
	}
	if failed, _ := lostUpdate(sched.Replay(min)); !failed {
		t.Fatal("the minimised schedule does not fail")
	}
}

// A goroutine blocked on a channel the scheduler does not see (a real
// receive, not through sched) escapes: the run ends with Escaped naming
// what and where. The bound only limits a failure that always happens.
func TestEscape(t *testing.T) {
	real := make(chan int)
	after := make(chan int, 1)
	res := sched.Run(sched.Options{Escape: 50 * stdtime.Millisecond}, func() {
		<-real // uninstrumented
		// Back after the run: these are real operations.
		var mu sync.Mutex
		mu.Lock()
		mu.Unlock()
		sched.Send(after, 1)
	}, func() {
		atomic.AddInt32(new(int32), 1)
	})
	close(real)
	if !strings.Contains(res.Escaped, "chan receive") || !strings.Contains(res.Escaped, "sched_test.go:") {
		t.Fatalf("escaped = %q", res.Escaped)
	}
	t.Logf("%.200s", res.Escaped)
	if <-after != 1 {
		t.Fatal("the escaped goroutine did not continue")
	}
}

func TestStepLimit(t *testing.T) {
	var flag int32
	res := sched.Run(sched.Options{MaxSteps: 500}, func() {
		for atomic.LoadInt32(&flag) == 0 {
		}
	})
	if !res.StepLimit || res.Steps != 500 {
		t.Fatalf("%+v", res)
	}
}

func TestIdleStartsGoroutines(t *testing.T) {
	calls := 0
	var ids []int
	res := sched.Run(sched.Options{Idle: func() []func() {
		calls++
		if calls > 2 {
			return nil
		}
		return []func(){func() {
			g, _ := sched.Current()
			ids = append(ids, g)
		}}
	}}, func() {
		g, _ := sched.Current()
		ids = append(ids, g)
	})
	ok(t, res)
	if !reflect.DeepEqual(ids, []int{0, 1, 2}) || calls != 3 {
		t.Fatalf("ids %v calls %d", ids, calls)
	}
}

// Outside a run, the API performs the real operations.
func TestOutsideRun(t *testing.T) {
	if _, ok := sched.Current(); ok {
		t.Fatal("Current outside a run")
	}
	c := make(chan int)
	done := make(chan struct{})
	sched.Go(func() {
		sched.Send(c, 1)
		close(done)
	})
	if sched.Recv(c) != 1 {
		t.Fatal("recv")
	}
	<-done
	b := make(chan int, 1)
	if sched.Select(true, sched.OnRecv(b)) != -1 || sched.Select(true, sched.OnSend(b, 3)) != 0 {
		t.Fatal("select")
	}
	r := sched.OnRecv(b)
	if sched.Select(false, r) != 0 || r.V != 3 || !r.OK {
		t.Fatal("select recv")
	}
	var mu sync.Mutex
	mu.Lock()
	mu.Unlock()
	if time.Since(time.Now()) > time.Hour {
		t.Fatal("real time")
	}
}

func TestScheduleText(t *testing.T) {
	for _, good := range []string{"v1", "v1-0g1", "v1-3g1-9c0-12g2", "v1-5t", "v1-3g1-5t-5c0-6t"} {
		s, err := sched.ParseSchedule(good)
		if err != nil || s.String() != good {
			t.Errorf("%q: %v %q", good, err, s.String())
		}
	}
	for _, bad := range []string{"", "v2", "v1-", "v1-g1", "v1-3x1", "v1-3g", "v1-03g1", "v1-3g-1", "v1 3g1", "v1-99999999999g1", "v1-t", "v1-5t1", "v1-05t", "v1-5tt", "v1--1t"} {
		if _, err := sched.ParseSchedule(bad); !errors.Is(err, sched.ErrSchedule) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"v1", "v1-3g1-9c0", "v1-0c0", "v1-4t-7g0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := sched.ParseSchedule(text)
		if err != nil {
			return
		}
		if s.String() != text {
			t.Fatalf("%q round-trips to %q", text, s.String())
		}
	})
}

// Runs in parallel (from different goroutines) are independent.
func TestParallelRuns(t *testing.T) {
	want := func() *sched.Result {
		_, res := mutualExclusion(sched.Random(9), &lostWakeup{wake: make(chan struct{})}, 3)
		return res
	}()
	for i := 0; i < 4; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			for j := 0; j < 20; j++ {
				_, res := mutualExclusion(sched.Random(9), &lostWakeup{wake: make(chan struct{})}, 3)
				if !reflect.DeepEqual(res, want) {
					t.Fatalf("parallel run differs: %+v vs %+v", res, want)
				}
			}
		})
	}
}

// Spinners waiting for something only Idle provides all end up parked
// (their read-only steps do not unpark each other), so Idle is called and
// the run completes under every strategy, instead of livelocking.
func TestSpinnersLetIdleRun(t *testing.T) {
	for _, s := range strategies() {
		var flag int32
		idleCalls := 0
		spin := func() {
			for atomic.LoadInt32(&flag) == 0 {
				sched.Gosched()
			}
		}
		res := sched.Run(sched.Options{Strategy: s(), MaxSteps: 10000, Idle: func() []func() {
			idleCalls++
			if idleCalls == 1 {
				return []func(){func() { atomic.StoreInt32(&flag, 1) }}
			}
			return nil
		}}, spin, spin, spin)
		ok(t, res)
		if res.Steps > 100 {
			t.Fatalf("%d steps: the spinners were not parked", res.Steps)
		}
	}
	// With nobody to set the flag, the spinners livelock: StepLimit.
	var flag int32
	res := sched.Run(sched.Options{MaxSteps: 1000}, func() {
		for atomic.LoadInt32(&flag) == 0 {
			sched.Gosched()
		}
	})
	if !res.StepLimit {
		t.Fatalf("%+v", res)
	}
}
