package sched_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
)

// Run explores one interleaving of a broken lock per seed; the first seed
// whose run lets two goroutines hold it is reported with its schedule.
func ExampleRun() {
	for seed := uint64(0); seed < 100; seed++ {
		var state, holders int32
		twoHolders := false
		lock := func() {
			for atomic.LoadInt32(&state) != 0 { // check ...
				sched.Gosched()
			}
			atomic.StoreInt32(&state, 1) // ... then set: not atomic
		}
		body := func() {
			lock()
			if atomic.AddInt32(&holders, 1) == 2 {
				twoHolders = true
			}
			atomic.AddInt32(&holders, -1)
			atomic.StoreInt32(&state, 0)
		}
		res := sched.Run(sched.Options{Strategy: sched.Random(seed)}, body, body)
		if twoHolders {
			fmt.Printf("seed %d: two holders, schedule %v\n", seed, res.Schedule)
			return
		}
	}
	// Output: seed 6: two holders, schedule v1-1g1-2g0-3g1-5g0
}

// Replay runs a recorded schedule again, with a trace of every step.
func ExampleReplay() {
	var x int32
	inc := func() {
		v := atomic.LoadInt32(&x)
		atomic.StoreInt32(&x, v+1)
	}
	s, _ := sched.ParseSchedule("v1-1g1") // switch to goroutine 1 at step 1
	res := sched.Run(sched.Options{Strategy: sched.Replay(s), Trace: true}, inc, inc)
	for _, e := range res.Trace {
		fmt.Printf("g%d %-17s %-6s preempt=%v\n", e.G, e.Op, e.Value, e.Preempt)
	}
	fmt.Println("x =", x)
	// Output:
	// g0 atomic.LoadInt32  0      preempt=false
	// g1 atomic.LoadInt32  0      preempt=true
	// g1 atomic.StoreInt32 0 → 1  preempt=false
	// g0 atomic.StoreInt32 1 → 1  preempt=false
	// x = 1
}

// Minimize keeps only the choices a failure needs.
func ExampleMinimize() {
	lostUpdate := func(s sched.Strategy) (bool, *sched.Result) {
		var x int32
		inc := func() {
			v := atomic.LoadInt32(&x)
			atomic.StoreInt32(&x, v+1)
		}
		res := sched.Run(sched.Options{Strategy: s}, inc, inc, inc)
		return x != 3, res
	}
	for seed := uint64(0); ; seed++ {
		failed, res := lostUpdate(sched.Random(seed))
		if !failed {
			continue
		}
		min := sched.Minimize(res.Schedule, func(s sched.Schedule) bool {
			failed, _ := lostUpdate(sched.Replay(s))
			return failed
		})
		fmt.Printf("%d choices → %d: %v\n", res.Schedule.Preemptions(), min.Preemptions(), min)
		return
	}
	// Output: 4 choices → 1: v1-1g2
}

// Explore runs every schedule with at most two preemptions: the lost
// update of two unsynchronised increments is found with one, and no
// schedule of a mutex-protected version fails.
func ExampleExplore() {
	check := func(protected bool) sched.ExploreStats {
		return sched.Explore(sched.ExploreOptions{Bound: 2}, func(s sched.Strategy) bool {
			var x, mu int32
			inc := func() {
				if protected {
					for !atomic.CompareAndSwapInt32(&mu, 0, 1) {
						sched.Gosched()
					}
				}
				v := atomic.LoadInt32(&x)
				atomic.StoreInt32(&x, v+1)
				if protected {
					atomic.StoreInt32(&mu, 0)
				}
			}
			sched.Run(sched.Options{Strategy: s}, inc, inc)
			return x != 2
		})
	}
	st := check(false)
	fmt.Printf("unprotected: failure after %d schedules, %d preemption\n", st.Schedules, st.Preemptions)
	st = check(true)
	fmt.Printf("protected: complete=%v, %d schedules\n", st.Complete, st.Schedules)
	// Output:
	// unprotected: failure after 4 schedules, 1 preemption
	// protected: complete=true, 34 schedules
}
