package sched_test

import (
	"os"
	"reflect"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/context"
	"github.com/lockcheck/lockcheck/sched/sync"
	"github.com/lockcheck/lockcheck/sched/time"
)

// workload uses every primitive at once: a pipeline over unbuffered and
// buffered channels with a select and a timeout, a mutex-protected
// counter, a condition variable, a wait group, a once, and a context.
func workload() (func() []func(), func() int) {
	var total int
	return func() []func() {
			var mu sync.Mutex
			cond := sync.NewCond(&mu)
			var wg sync.WaitGroup
			var once sync.Once
			var flag int32
			in := make(chan int)
			out := make(chan int, 2)
			ready := false
			total = 0
			producer := func() {
				for i := 1; i <= 3; i++ {
					sched.Send(in, i)
				}
				sched.Close(in)
			}
			worker := func() {
				defer wg.Done()
				for v := range sched.Range(in) {
					once.Do(func() { atomic.StoreInt32(&flag, 1) })
					sched.Send(out, v*v)
				}
			}
			collector := func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
				defer cancel()
				done := ctx.Done()
				for n := 0; n < 3; {
					r := sched.OnRecv(out)
					switch sched.Select(false, r, sched.OnRecv(done)) {
					case 0:
						mu.Lock()
						total += r.V
						mu.Unlock()
						n++
					case 1: // the timeout fired (a strategy's timer choice): keep collecting
						done = nil
					}
				}
				mu.Lock()
				ready = true
				cond.Broadcast()
				mu.Unlock()
			}
			waiter := func() {
				wg.Wait()
				mu.Lock()
				for !ready {
					cond.Wait()
				}
				mu.Unlock()
				if atomic.LoadInt32(&flag) != 1 {
					panic("once did not run")
				}
			}
			wg.Add(2)
			return []func(){producer, worker, worker, collector, waiter}
		}, func() int {
			return total
		}
}

// TestSoak runs the workload under many seeds: it always completes with
// the right total, and each run is deterministic. Opt-in: LOCKCHECK_SOAK=1.
func TestSoak(t *testing.T) {
	n := uint64(20)
	if os.Getenv("LOCKCHECK_SOAK") != "" {
		n = 3000
	}
	for seed := uint64(0); seed < n; seed++ {
		for _, mk := range []func() sched.Strategy{
			func() sched.Strategy { return sched.Random(seed) },
			func() sched.Strategy { return sched.PCT(seed, 3) },
		} {
			build, total := workload()
			res := sched.Run(sched.Options{Strategy: mk(), Trace: true}, build()...)
			ok(t, res)
			if total() != 14 {
				t.Fatalf("seed %d: total %d", seed, total())
			}
			again := sched.Run(sched.Options{Strategy: sched.Replay(res.Schedule), Trace: true}, build()...)
			if !reflect.DeepEqual(res, again) {
				t.Fatalf("seed %d: replay differs", seed)
			}
		}
	}
}
