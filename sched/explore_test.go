package sched_test

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
)

func TestExplore(t *testing.T) {
	cases := []struct {
		name     string
		l        func() locker
		n        int
		bound    int
		wantFail bool
		wantPre  int // preemptions of the failing schedule found (the fewest: none fails with fewer)
	}{
		{"check-then-set", func() locker { return &checkThenSet{} }, 2, 2, true, 2},
		{"CAS lock", func() locker { return &casLock{} }, 2, 2, false, 0},
		{"CAS lock, 3 goroutines", func() locker { return &casLock{} }, 3, 1, false, 0},
		{"lost wake-up", func() locker { return &lostWakeup{wake: make(chan struct{})} }, 2, 2, true, 2},
	}
	for _, c := range cases {
		var last *sched.Result
		failed := false
		st := sched.Explore(sched.ExploreOptions{Bound: c.bound}, func(s sched.Strategy) bool {
			v, res := mutualExclusion(s, c.l(), c.n)
			last = res
			failed = v || res.Deadlock || res.StepLimit || res.Escaped != ""
			return failed
		})
		t.Logf("%s: %+v", c.name, st)
		if st.Diverged != 0 {
			t.Errorf("%s: %d runs diverged", c.name, st.Diverged)
		}
		if c.wantFail {
			if !st.Stopped || !failed || st.Preemptions != c.wantPre {
				t.Errorf("%s: stopped=%v preemptions=%d, want a failure with %d", c.name, st.Stopped, st.Preemptions, c.wantPre)
			}
			// The failing schedule replays.
			v, res := mutualExclusion(sched.Replay(last.Schedule), c.l(), c.n)
			if !v && !res.Deadlock {
				t.Errorf("%s: the schedule found does not replay the failure", c.name)
			}
		} else if !st.Complete || st.Stopped {
			t.Errorf("%s: not complete: %+v", c.name, st)
		}
	}
}

// Exploring a small program counts its interleavings exactly: two
// goroutines of two atomic steps each have C(4,2) = 6 orders of their
// steps when every switch is allowed.
func TestExploreCountsInterleavings(t *testing.T) {
	orders := map[string]bool{}
	st := sched.Explore(sched.ExploreOptions{Bound: 10}, func(s sched.Strategy) bool {
		var x int32
		var order []byte
		g := func(name byte) func() {
			return func() {
				atomic.AddInt32(&x, 1)
				order = append(order, name)
				atomic.AddInt32(&x, 1)
				order = append(order, name)
			}
		}
		sched.Run(sched.Options{Strategy: s}, g('a'), g('b'))
		orders[string(order)] = true
		return false
	})
	t.Logf("%+v, %d orders", st, len(orders))
	if !st.Complete || len(orders) != 6 {
		t.Fatalf("%d orders, want 6: %v", len(orders), orders)
	}
}
