package sched_test

import (
	stdcontext "context"
	"errors"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/context"
	"github.com/lockcheck/lockcheck/sched/sync"
	"github.com/lockcheck/lockcheck/sched/time"
)

// strategies returns the strategies the primitive tests run under: the
// default rule, and a few seeds of PCT and Random.
func strategies() []func() sched.Strategy {
	out := []func() sched.Strategy{func() sched.Strategy { return nil }}
	for seed := uint64(0); seed < 20; seed++ {
		out = append(out,
			func() sched.Strategy { return sched.PCT(seed, 3) },
			func() sched.Strategy { return sched.Random(seed) })
	}
	return out
}

// ok fails the test unless res ended with every goroutine done.
func ok(t *testing.T, res *sched.Result) {
	t.Helper()
	if res.Deadlock || res.StepLimit || res.Escaped != "" {
		t.Fatalf("run did not complete: deadlock=%v steplimit=%v escaped=%q blocked=%v", res.Deadlock, res.StepLimit, res.Escaped, res.Blocked)
	}
}

func TestMutexProtectsReadModifyWrite(t *testing.T) {
	for _, s := range strategies() {
		var mu sync.Mutex
		n := 0
		inc := func() {
			for i := 0; i < 3; i++ {
				mu.Lock()
				v := n
				sched.Gosched() // a scheduling point inside the critical section
				n = v + 1
				mu.Unlock()
			}
		}
		ok(t, sched.Run(sched.Options{Strategy: s()}, inc, inc, inc))
		if n != 9 {
			t.Fatalf("n = %d, want 9", n)
		}
	}
}

// Without the mutex the same code loses updates under some strategy: the
// scheduler does interleave.
func TestUnprotectedReadModifyWriteLosesUpdates(t *testing.T) {
	lost := false
	for _, s := range strategies() {
		var x int32
		inc := func() {
			v := atomic.LoadInt32(&x)
			atomic.StoreInt32(&x, v+1)
		}
		ok(t, sched.Run(sched.Options{Strategy: s()}, inc, inc))
		if x != 2 {
			lost = true
		}
	}
	if !lost {
		t.Fatal("no strategy interleaved the two read-modify-writes")
	}
}

func TestTryLock(t *testing.T) {
	var mu sync.Mutex
	got := make([]bool, 2)
	res := sched.Run(sched.Options{}, func() {
		mu.Lock()
		got[0] = mu.TryLock()
		mu.Unlock()
		got[1] = mu.TryLock()
		mu.Unlock()
	})
	ok(t, res)
	if got[0] || !got[1] {
		t.Fatalf("TryLock = %v, want [false true]", got)
	}
}

func TestRWMutex(t *testing.T) {
	for _, s := range strategies() {
		var rw sync.RWMutex
		var readers, writers, maxReaders int32
		bad := false
		reader := func() {
			rw.RLock()
			r := atomic.AddInt32(&readers, 1)
			if atomic.LoadInt32(&writers) != 0 {
				bad = true
			}
			if r > atomic.LoadInt32(&maxReaders) {
				atomic.StoreInt32(&maxReaders, r)
			}
			atomic.AddInt32(&readers, -1)
			rw.RUnlock()
		}
		writer := func() {
			rw.Lock()
			if atomic.AddInt32(&writers, 1) != 1 || atomic.LoadInt32(&readers) != 0 {
				bad = true
			}
			atomic.AddInt32(&writers, -1)
			rw.Unlock()
		}
		ok(t, sched.Run(sched.Options{Strategy: s()}, reader, writer, reader, writer))
		if bad {
			t.Fatal("a writer overlapped another holder")
		}
	}
}

func TestCondProducerConsumer(t *testing.T) {
	for _, s := range strategies() {
		var mu sync.Mutex
		c := sync.NewCond(&mu)
		queue := 0
		got := 0
		consumer := func() {
			for i := 0; i < 2; i++ {
				mu.Lock()
				for queue == 0 {
					c.Wait()
				}
				queue--
				got++
				mu.Unlock()
			}
		}
		producer := func() {
			for i := 0; i < 2; i++ {
				mu.Lock()
				queue++
				c.Signal()
				mu.Unlock()
			}
		}
		ok(t, sched.Run(sched.Options{Strategy: s()}, consumer, producer))
		if got != 2 {
			t.Fatalf("got %d, want 2", got)
		}
	}
}

func TestCondBroadcast(t *testing.T) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	ready := false
	woken := 0
	waiter := func() {
		mu.Lock()
		for !ready {
			c.Wait()
		}
		woken++
		mu.Unlock()
	}
	ok(t, sched.Run(sched.Options{Strategy: sched.Random(3)}, waiter, waiter, func() {
		mu.Lock()
		ready = true
		c.Broadcast()
		mu.Unlock()
	}))
	if woken != 2 {
		t.Fatalf("woken = %d", woken)
	}
}

// A Wait that checks its condition outside the lock misses the signal: the
// run deadlocks, with the waiter listed.
func TestCondLostWakeupDeadlocks(t *testing.T) {
	found := 0
	for seed := uint64(0); seed < 100; seed++ {
		var mu sync.Mutex
		c := sync.NewCond(&mu)
		var flag int32
		res := sched.Run(sched.Options{Strategy: sched.Random(seed)},
			func() {
				if atomic.LoadInt32(&flag) == 0 { // check without the lock: the bug
					mu.Lock()
					c.Wait()
					mu.Unlock()
				}
			},
			func() {
				atomic.StoreInt32(&flag, 1)
				mu.Lock()
				c.Signal()
				mu.Unlock()
			})
		if res.Deadlock {
			found++
			if len(res.Blocked) != 1 || res.Blocked[0].G != 0 || !strings.HasPrefix(res.Blocked[0].Op, "sync.Cond.Wait") || !strings.HasPrefix(res.Blocked[0].Pos, "primitives_test.go:") {
				t.Fatalf("blocked = %+v", res.Blocked)
			}
		}
	}
	t.Logf("found at %d of 100 seeds", found)
	if found == 0 {
		t.Fatal("the lost wake-up was never found")
	}
}

func TestWaitGroup(t *testing.T) {
	for _, s := range strategies() {
		var wg sync.WaitGroup
		var n int32
		res := sched.Run(sched.Options{Strategy: s()}, func() {
			for i := 0; i < 3; i++ {
				wg.Add(1)
				sched.Go(func() {
					defer wg.Done()
					atomic.AddInt32(&n, 1)
				})
			}
			wg.Go(func() { atomic.AddInt32(&n, 1) })
			wg.Wait()
			if atomic.LoadInt32(&n) != 4 {
				panic("Wait returned early")
			}
		})
		ok(t, res)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	res := sched.Run(sched.Options{}, func() { wg.Wait() })
	if !res.Deadlock || len(res.Blocked) != 1 || res.Blocked[0].Op != "sync.WaitGroup.Wait" {
		t.Fatalf("missing Done: %+v", res)
	}
	wg.Done()
}

func TestOnce(t *testing.T) {
	for _, s := range strategies() {
		var once sync.Once
		calls := 0
		seen := 0
		f := func() {
			once.Do(func() { sched.Gosched(); calls++ })
			if calls == 1 {
				seen++
			}
		}
		ok(t, sched.Run(sched.Options{Strategy: s()}, f, f, f))
		if calls != 1 || seen != 3 {
			t.Fatalf("calls=%d seen=%d", calls, seen)
		}
		v := sync.OnceValue(func() int { calls++; return calls })
		ok(t, sched.Run(sched.Options{Strategy: s()}, func() { v() }, func() { v() }))
		if v() != 2 {
			t.Fatal("OnceValue ran twice")
		}
	}
}

func TestChannels(t *testing.T) {
	for _, s := range strategies() {
		unbuf := make(chan int)
		buf := make(chan int, 2)
		var got []int
		var closedOK []bool
		res := sched.Run(sched.Options{Strategy: s()},
			func() {
				for i := 0; i < 3; i++ {
					sched.Send(unbuf, i)
				}
				sched.Close(unbuf)
			},
			func() {
				for v := range sched.Range(unbuf) {
					sched.Send(buf, v*10)
				}
				sched.Close(buf)
			},
			func() {
				for {
					v, ok := sched.Recv2(buf)
					if !ok {
						closedOK = append(closedOK, ok)
						break
					}
					got = append(got, v)
				}
				v, ok := sched.Recv2(buf) // closed and drained: at once
				if v != 0 || ok {
					panic("closed channel")
				}
			})
		ok(t, res)
		if len(got) != 3 || got[0] != 0 || got[1] != 10 || got[2] != 20 || len(closedOK) != 1 {
			t.Fatalf("got %v", got)
		}
	}
}

func TestNilChannelAndEmptySelectBlock(t *testing.T) {
	var nilc chan int
	res := sched.Run(sched.Options{}, func() { sched.Recv(nilc) }, func() { sched.Select(false) })
	if !res.Deadlock || len(res.Blocked) != 2 || res.Blocked[0].Op != "chan receive" || res.Blocked[1].Op != "select (no cases)" {
		t.Fatalf("%+v", res)
	}
}

func TestSendOnClosedPanicsInSender(t *testing.T) {
	c := make(chan int)
	var recovered any
	res := sched.Run(sched.Options{}, func() {
		sched.Close(c)
		defer func() { recovered = recover() }()
		sched.Send(c, 1)
	})
	ok(t, res)
	if recovered == nil {
		t.Fatal("send on a closed channel did not panic")
	}
}

// Two ready cases: both outcomes are explored, across seeds, by each
// randomised strategy; the default rule takes the first.
func TestSelectExploresBothCases(t *testing.T) {
	for _, name := range []string{"pct", "random"} {
		seen := map[int]bool{}
		for seed := uint64(0); seed < 40; seed++ {
			s := sched.Random(seed)
			if name == "pct" {
				s = sched.PCT(seed, 2)
			}
			a, b := make(chan int, 1), make(chan int, 1)
			a <- 1
			b <- 2
			chosen := -2
			ok(t, sched.Run(sched.Options{Strategy: s}, func() {
				ca, cb := sched.OnRecv(a), sched.OnRecv(b)
				chosen = sched.Select(false, ca, cb)
				if chosen == 0 && ca.V != 1 || chosen == 1 && cb.V != 2 {
					panic("wrong value")
				}
			}))
			seen[chosen] = true
		}
		if !seen[0] || !seen[1] {
			t.Errorf("%s: cases chosen %v, want both", name, seen)
		}
	}
	a := make(chan int, 1)
	a <- 1
	b := make(chan int, 1)
	b <- 2
	chosen := -2
	ok(t, sched.Run(sched.Options{}, func() { chosen = sched.Select(false, sched.OnRecv(a), sched.OnRecv(b)) }))
	if chosen != 0 {
		t.Fatalf("default rule chose %d", chosen)
	}
}

func TestSelectDefaultAndSend(t *testing.T) {
	c := make(chan int)
	results := []int{}
	ok(t, sched.Run(sched.Options{}, func() {
		results = append(results, sched.Select(true, sched.OnRecv(c))) // nobody sends: default
		results = append(results, sched.Select(true, sched.OnSend(c, 1)))
	}))
	if results[0] != -1 || results[1] != -1 {
		t.Fatalf("%v", results)
	}
	// A select send pairs with a receiver blocked on the unbuffered channel.
	got := 0
	ok(t, sched.Run(sched.Options{Strategy: sched.Random(1)},
		func() { got = sched.Recv(c) },
		func() {
			for sched.Select(true, sched.OnSend(c, 7)) != 0 {
				sched.Gosched()
			}
		}))
	if got != 7 {
		t.Fatalf("got %d", got)
	}
}

func TestVirtualTime(t *testing.T) {
	var start, afterSleep time.Time
	var elapsed time.Duration
	res := sched.Run(sched.Options{Trace: true}, func() {
		start = time.Now()
		time.Sleep(3 * time.Second)
		afterSleep = time.Now()
		elapsed = time.Since(start)
	})
	ok(t, res)
	if !start.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || elapsed != 3*time.Second || !afterSleep.Equal(start.Add(3*time.Second)) {
		t.Fatalf("start %v elapsed %v", start, elapsed)
	}
	if res.Trace[len(res.Trace)-1].Time != 3*time.Second {
		t.Fatalf("trace time %v", res.Trace[len(res.Trace)-1].Time)
	}
}

// TestTimers checks the timers' mechanics under the default rule, where a
// timer fires only when nothing else can run (so Stop wins the race with an
// hour's timer); the strategies also explore the timer firing first (see
// TestTimerRace).
func TestTimers(t *testing.T) {
	for _, s := range []func() sched.Strategy{func() sched.Strategy { return nil }, func() sched.Strategy { return sched.Replay(sched.Schedule{}) }} {
		var order []string
		res := sched.Run(sched.Options{Strategy: s()},
			func() {
				c := make(chan int)
				select0 := sched.Select(false, sched.OnRecv(c), sched.OnRecv(time.After(time.Second)))
				if select0 != 1 {
					panic("timeout did not fire")
				}
				order = append(order, "after")
				tm := time.NewTimer(time.Hour)
				if !tm.Stop() {
					panic("Stop of a pending timer")
				}
				if sched.Select(true, sched.OnRecv(tm.C)) != -1 {
					panic("stopped timer fired")
				}
				tm.Reset(time.Millisecond)
				sched.Recv(tm.C)
				if time.Since(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) != time.Second+time.Millisecond {
					panic("virtual time")
				}
				done := make(chan struct{})
				time.AfterFunc(time.Minute, func() { order = append(order, "afterfunc"); sched.Close(done) })
				sched.Recv(done)
				tk := time.NewTicker(10 * time.Second)
				for i := 0; i < 3; i++ {
					sched.Recv(tk.C)
				}
				tk.Stop()
				order = append(order, "ticks")
			})
		ok(t, res)
		if strings.Join(order, ",") != "after,afterfunc,ticks" {
			t.Fatalf("order %v", order)
		}
	}
}

// Under the default rule time advances only when nothing can run: a
// sleeper wakes after the busy goroutine is done.
func TestTimeAdvancesOnlyWhenIdle(t *testing.T) {
	var steps int32
	var seen int32
	ok(t, sched.Run(sched.Options{},
		func() {
			time.Sleep(time.Nanosecond)
			seen = atomic.LoadInt32(&steps)
		},
		func() {
			for i := 0; i < 10; i++ {
				atomic.AddInt32(&steps, 1)
			}
		}))
	if seen != 10 {
		t.Fatalf("sleeper woke after %d steps of the other, want 10", seen)
	}
}

func TestContexts(t *testing.T) {
	for _, s := range strategies() {
		var errs []error
		res := sched.Run(sched.Options{Strategy: s()}, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sched.Recv(ctx.Done())
			errs = append(errs, ctx.Err())
			if time.Since(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) != 5*time.Second {
				panic("deadline not on virtual time")
			}

			parent, pcancel := context.WithCancel(context.Background())
			child, ccancel := context.WithCancel(parent)
			defer ccancel()
			ran := make(chan struct{})
			context.AfterFunc(child, func() { sched.Close(ran) })
			sched.Go(pcancel)
			sched.Recv(child.Done())
			sched.Recv(ran)
			errs = append(errs, child.Err())

			cause := errors.New("because")
			cctx, ccause := context.WithCancelCause(context.Background())
			ccause(cause)
			errs = append(errs, context.Cause(cctx))
		})
		ok(t, res)
		if len(errs) != 3 || errs[0] != context.DeadlineExceeded || errs[1] != context.Canceled || errs[2].Error() != "because" {
			t.Fatalf("errs %v", errs)
		}
	}
}

// A parent from the standard library, canceled by a goroutine of the run:
// the child sees it through the scheduler. (Its hour's timeout may fire
// first under a strategy's timer choice; the default rule runs the cancel
// first.)
func TestContextStdlibParent(t *testing.T) {
	for i, s := range strategies() {
		parent, cancel := stdcontext.WithCancel(stdcontext.Background())
		var err error
		ok(t, sched.Run(sched.Options{Strategy: s()},
			func() {
				child, ccancel := context.WithTimeout(parent, time.Hour)
				defer ccancel()
				sched.Recv(child.Done())
				err = child.Err()
			},
			func() { cancel() }))
		if err != context.Canceled && (i == 0 || err != context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
	}
	// Outside a run, the real package.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	cancel()
	<-ctx.Done()
}

// Channels closed and contexts canceled outside the run (by code the
// scheduler does not see) are seen closed, through side-effect-free probes.
func TestClosedOutsideRun(t *testing.T) {
	c := make(chan int)
	close(c)
	parent, cancel := stdcontext.WithCancel(stdcontext.Background())
	cancel()
	buffered := make(chan int, 2)
	buffered <- 5
	var got []any
	ok(t, sched.Run(sched.Options{}, func() {
		v, open := sched.Recv2(c)
		got = append(got, v, open)
		sched.Recv(parent.Done())
		child, ccancel := context.WithCancel(parent)
		defer ccancel()
		sched.Recv(child.Done())
		got = append(got, child.Err(), sched.Recv(buffered))
	}))
	if len(got) != 4 || got[0] != 0 || got[1] != false || got[2] != context.Canceled || got[3] != 5 {
		t.Fatalf("got %v", got)
	}
}

// A ticker nobody receives from does not keep a blocked run alive: the run
// ends as a deadlock (after a bounded number of advances of virtual time).
func TestTickerDoesNotHang(t *testing.T) {
	res := sched.Run(sched.Options{}, func() {
		time.NewTicker(time.Second)
		sched.Select(false)
	})
	if !res.Deadlock || len(res.Blocked) != 1 {
		t.Fatalf("%+v", res)
	}
}
