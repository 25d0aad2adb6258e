package lock

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// clean reports an error unless l is unlocked with no waiters, no flags and
// an empty queue.
func clean(t testing.TB, l *Lock) {
	t.Helper()
	if s := l.load(); s != 0 {
		t.Errorf("state = %#x, want 0", s)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head != nil || l.tail != nil {
		t.Errorf("queue not empty")
	}
}

// usable checks that l is free and works, leaving it free.
func usable(t testing.TB, l *Lock) {
	t.Helper()
	clean(t, l)
	if !l.TryAcquire() {
		t.Fatal("TryAcquire on a free lock failed")
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	clean(t, l)
}

func waiters(l *Lock) int32 { return l.load() >> waiterShift }

// waitForWaiters yields until n waiters are parked.
func waitForWaiters(l *Lock, n int32) {
	for waiters(l) != n {
		runtime.Gosched()
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestSequentialSemantics(t *testing.T) {
	type op struct {
		name string
		do   func(*Lock) any
		want any
	}
	acquire := op{"Acquire", func(l *Lock) any { l.Acquire(); return nil }, nil}
	lockOp := op{"Lock", func(l *Lock) any { l.Lock(); return nil }, nil}
	unlockOp := op{"Unlock", func(l *Lock) any { l.Unlock(); return nil }, nil}
	try := func(want bool) op { return op{"TryAcquire", func(l *Lock) any { return l.TryAcquire() }, want} }
	timed := func(d time.Duration, want bool) op {
		return op{"AcquireTimeout(" + d.String() + ")", func(l *Lock) any { return l.AcquireTimeout(d) }, want}
	}
	ctxOp := func(name string, ctx func() context.Context, want error) op {
		return op{"AcquireContext(" + name + ")", func(l *Lock) any { return l.AcquireContext(ctx()) }, want}
	}
	release := func(want error) op { return op{"Release", func(l *Lock) any { return l.Release() }, want} }
	locked := func(want bool) op { return op{"Locked", func(l *Lock) any { return l.Locked() }, want} }
	deadline := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_ = cancel // expires by itself
		return ctx
	}

	tests := []struct {
		name string
		ops  []op
	}{
		{"zero value", []op{locked(false), release(ErrNotLocked), locked(false)}},
		{"acquire release", []op{acquire, locked(true), release(nil), locked(false), release(ErrNotLocked)}},
		{"try", []op{try(true), try(false), locked(true), release(nil), try(true), release(nil)}},
		{"timeout zero and negative", []op{timed(0, true), timed(0, false), timed(-time.Second, false), release(nil), timed(-1, true), release(nil)}},
		{"timeout expires", []op{acquire, timed(time.Millisecond, false), locked(true), release(nil)}},
		{"timeout on free lock", []op{timed(time.Nanosecond, true), locked(true), release(nil)}},
		{"context", []op{ctxOp("background", context.Background, nil), locked(true), release(nil)}},
		{"cancelled context on free lock", []op{ctxOp("cancelled", cancelled, nil), locked(true), release(nil)}},
		{"cancelled context on held lock", []op{acquire, ctxOp("cancelled", cancelled, context.Canceled), locked(true), release(nil)}},
		{"deadline on held lock", []op{acquire, ctxOp("deadline", deadline, context.DeadlineExceeded), release(nil), release(ErrNotLocked)}},
		{"sync.Locker", []op{lockOp, locked(true), try(false), unlockOp, locked(false)}},
		{"mixed", []op{try(true), release(nil), acquire, release(nil), timed(time.Second, true), release(nil), lockOp, release(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Lock
			for i, o := range tt.ops {
				got := o.do(&l)
				if err, ok := o.want.(error); ok {
					if gotErr, _ := got.(error); !errors.Is(gotErr, err) {
						t.Fatalf("op %d %s = %v, want %v", i, o.name, got, o.want)
					}
					continue
				}
				if got != o.want {
					t.Fatalf("op %d %s = %v, want %v", i, o.name, got, o.want)
				}
			}
			clean(t, &l)
		})
	}
}

func TestErrNotLocked(t *testing.T) {
	var l Lock
	err := l.Release()
	if !errors.Is(err, ErrNotLocked) {
		t.Fatalf("Release of unlocked lock = %v, want ErrNotLocked", err)
	}
	if err.Error() == "" {
		t.Fatal("empty error text")
	}
	clean(t, &l) // state unchanged
	l.Acquire()
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); !errors.Is(err, ErrNotLocked) {
		t.Fatalf("second Release = %v", err)
	}
	usable(t, &l)
}

func TestUnlockOfUnlockedPanics(t *testing.T) {
	var l Lock
	defer func() {
		if recover() == nil {
			t.Fatal("Unlock of unlocked lock did not panic")
		}
		usable(t, &l)
	}()
	l.Unlock()
}

func TestSyncLocker(t *testing.T) {
	var _ sync.Locker = new(Lock)
	var l Lock
	c := sync.NewCond(&l)
	ready := false
	go func() {
		l.Lock()
		ready = true
		l.Unlock()
		c.Broadcast()
	}()
	l.Lock()
	for !ready {
		c.Wait()
	}
	l.Unlock()
	usable(t, &l)
}

func TestCrossGoroutineRelease(t *testing.T) {
	var l Lock
	l.Acquire()
	done := make(chan error)
	go func() { done <- l.Release() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Another goroutine acquires, this one releases, and a third one, blocked
	// meanwhile, gets it.
	acquired := make(chan struct{})
	go func() { l.Acquire(); close(acquired) }()
	<-acquired
	got := make(chan struct{})
	go func() { l.Acquire(); close(got) }()
	waitForWaiters(&l, 1)
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	<-got
	if !l.Locked() {
		t.Fatal("lock should be held by the waiter")
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	usable(t, &l)
}

func TestAcquireBlocksUntilRelease(t *testing.T) {
	for _, name := range []string{"Acquire", "AcquireTimeout", "AcquireContext"} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var l Lock
				l.Acquire()
				var got atomic.Bool
				go func() {
					switch name {
					case "Acquire":
						l.Acquire()
					case "AcquireTimeout":
						if !l.AcquireTimeout(time.Hour) {
							t.Error("AcquireTimeout failed")
						}
					case "AcquireContext":
						if err := l.AcquireContext(context.Background()); err != nil {
							t.Error(err)
						}
					}
					got.Store(true)
				}()
				synctest.Wait()
				if got.Load() {
					t.Fatal("acquired a held lock")
				}
				if waiters(&l) != 1 {
					t.Fatalf("waiters = %d", waiters(&l))
				}
				l.Release()
				synctest.Wait()
				if !got.Load() || !l.Locked() {
					t.Fatal("waiter did not get the lock")
				}
				l.Release()
				clean(t, &l)
			})
		})
	}
}

// One release lets exactly one waiter through.
func TestOneReleaseOneWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 10
		var l Lock
		l.Acquire()
		var got atomic.Int32
		for i := range n {
			go func() {
				switch i % 3 {
				case 0:
					l.Acquire()
				case 1:
					if !l.AcquireTimeout(time.Hour) {
						t.Error("timeout")
						return
					}
				case 2:
					if err := l.AcquireContext(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
				got.Add(1)
			}()
		}
		synctest.Wait()
		if w := waiters(&l); w != n {
			t.Fatalf("waiters = %d, want %d", w, n)
		}
		for i := int32(1); i <= n; i++ {
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if g := got.Load(); g != i {
				t.Fatalf("after %d releases %d waiters proceeded", i, g)
			}
			if !l.Locked() {
				t.Fatal("lock not held after hand-over")
			}
		}
		l.Release()
		clean(t, &l)
	})
}

func TestTimeoutVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l Lock
		l.Acquire()
		start := time.Now()
		if l.AcquireTimeout(3 * time.Second) {
			t.Fatal("acquired a held lock")
		}
		if el := time.Since(start); el != 3*time.Second {
			t.Fatalf("timed out after %v", el)
		}
		clean2 := l.load()
		if clean2 != mutexLocked {
			t.Fatalf("state = %#x after timeout", clean2)
		}
		// Released at r < d: acquired at r.
		go func() {
			time.Sleep(time.Second)
			l.Release()
		}()
		start = time.Now()
		if !l.AcquireTimeout(3 * time.Second) {
			t.Fatal("timed out although released")
		}
		if el := time.Since(start); el != time.Second {
			t.Fatalf("acquired after %v", el)
		}
		l.Release()
		clean(t, &l)
	})
}

func TestContextVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l Lock
		l.Acquire()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		if err := l.AcquireContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el != 2*time.Second {
			t.Fatalf("gave up after %v", el)
		}
		ctx2, cancel2 := context.WithCancel(context.Background())
		errc := make(chan error)
		go func() { errc <- l.AcquireContext(ctx2) }()
		synctest.Wait()
		cancel2()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if l.load() != mutexLocked {
			t.Fatalf("state = %#x", l.load())
		}
		l.Release()
		clean(t, &l)
	})
}

// Starving mode hands the lock to waiters in FIFO order, and newcomers queue
// behind them.
func TestHandOffFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5
		var l Lock
		l.Acquire()
		order := make(chan int, n+1)
		for i := range n {
			go func() {
				l.Acquire()
				order <- i
			}()
			synctest.Wait() // queue in order
		}
		// Force hand-off mode (legal: locked and waiters > 0).
		atomic.AddInt32(&l.state, mutexStarving)
		if l.TryAcquire() || l.AcquireTimeout(time.Millisecond) {
			t.Fatal("acquired a locked lock")
		}
		go func() { l.Acquire(); order <- n }() // newcomer
		synctest.Wait()
		for want := 0; want <= n; want++ {
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if got := <-order; got != want {
				t.Fatalf("hand-off to %d, want %d", got, want)
			}
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		clean(t, &l)
	})
}

// A waiter withdrawing from the queue in starving mode leaves the invariants
// intact; the last one out clears starving.
func TestStarvingWithdraw(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l Lock
		l.Acquire()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 2)
		go func() { errc <- l.AcquireContext(ctx) }()
		synctest.Wait()
		go func() { errc <- l.AcquireContext(ctx) }()
		synctest.Wait()
		atomic.AddInt32(&l.state, mutexStarving)
		cancel()
		for range 2 {
			if err := <-errc; err == nil {
				t.Fatal("acquired")
			}
		}
		if s := l.load(); s != mutexLocked {
			t.Fatalf("state = %#x, want locked only", s)
		}
		l.Release()
		clean(t, &l)
	})
}

// The withdrawal paths that run when the signal and the timer race.
func TestWithdrawAfterSignal(t *testing.T) {
	newSignalled := func(handoff bool) *waiter {
		w := &waiter{ch: make(chan struct{}, 1), handoff: handoff}
		w.ch <- struct{}{}
		return w
	}
	t.Run("handoff", func(t *testing.T) {
		var l Lock
		atomic.StoreInt32(&l.state, mutexLocked)
		if !l.withdraw(newSignalled(true)) {
			t.Fatal("handed-off waiter must keep the lock")
		}
		if l.load() != mutexLocked {
			t.Fatal("state changed")
		}
	})
	t.Run("woken, lock free", func(t *testing.T) {
		var l Lock
		atomic.StoreInt32(&l.state, mutexWoken)
		if !l.withdraw(newSignalled(false)) {
			t.Fatal("woken waiter must take a free lock")
		}
		if l.load() != mutexLocked {
			t.Fatalf("state = %#x", l.load())
		}
	})
	t.Run("woken, lock held", func(t *testing.T) {
		var l Lock
		atomic.StoreInt32(&l.state, mutexLocked|mutexWoken|2*waiterOne)
		if l.withdraw(newSignalled(false)) {
			t.Fatal("acquired a held lock")
		}
		if s := l.load(); s != mutexLocked|2*waiterOne {
			t.Fatalf("state = %#x, woken not cleared", s)
		}
	})
}

func TestWakeOneEmptyQueue(t *testing.T) {
	var l Lock
	atomic.StoreInt32(&l.state, mutexWoken|mutexLocked)
	l.wakeOne()
	if s := l.load(); s != mutexLocked {
		t.Fatalf("state = %#x", s)
	}
}

// A woken waiter that loses the race to a newcomer re-queues at the front.
func TestWokenWaiterRequeuesAtFront(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var l Lock
		l.Acquire()
		order := make(chan int, 2)
		for i := range 2 {
			go func() { l.Acquire(); order <- i; l.Release() }()
			synctest.Wait()
		}
		// Release and barge in before the woken waiter runs.
		l.Release()
		if !l.TryAcquire() {
			t.Fatal("barging TryAcquire failed")
		}
		synctest.Wait()
		if waiters(&l) != 2 || l.load()&mutexWoken != 0 {
			t.Fatalf("state = %#x", l.load())
		}
		l.mu.Lock()
		if l.head == nil || l.head.next == nil {
			t.Fatal("queue")
		}
		l.mu.Unlock()
		l.Release()
		synctest.Wait()
		if a, b := <-order, <-order; a != 0 || b != 1 {
			t.Fatalf("order %d %d", a, b)
		}
		clean(t, &l)
	})
}

func TestMutualExclusion(t *testing.T) {
	goroutines := []int{2, 8, 64}
	iters := 2000
	if testing.Short() || raceEnabled {
		iters = 300
	}
	for _, g := range goroutines {
		t.Run("", func(t *testing.T) {
			var l Lock
			var inside atomic.Int32
			counter := 0 // protected by l only
			var wg sync.WaitGroup
			for i := range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < iters; j++ {
						switch (i + j) % 5 {
						case 0:
							l.Acquire()
						case 1:
							for !l.TryAcquire() {
								runtime.Gosched()
							}
						case 2:
							for !l.AcquireTimeout(time.Microsecond * time.Duration(j%50)) {
							}
						case 3:
							for l.AcquireContext(context.Background()) != nil {
							}
						case 4:
							l.Lock()
						}
						if inside.Add(1) != 1 {
							t.Error("two goroutines inside")
						}
						counter++
						inside.Add(-1)
						if j%2 == 0 {
							l.Unlock()
						} else if err := l.Release(); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			if counter != g*iters {
				t.Fatalf("counter = %d, want %d", counter, g*iters)
			}
			usable(t, &l)
		})
	}
}

// Storms of waiters that time out or are cancelled while holders come and
// go. Afterwards the lock is free and clean, and the successes balance.
func TestTimeoutCancelStorm(t *testing.T) {
	rounds := 20
	if testing.Short() || raceEnabled {
		rounds = 5
	}
	for r := range rounds {
		var l Lock
		var acquired, inside atomic.Int32
		counter := 0
		var wg sync.WaitGroup
		const g = 48
		for i := range g {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 40 {
					var ok bool
					switch (i + j + r) % 4 {
					case 0:
						ok = l.AcquireTimeout(time.Duration(j%7) * time.Microsecond)
					case 1:
						ctx, cancel := context.WithCancel(context.Background())
						if j%3 == 0 {
							go cancel()
						} else if j%3 == 1 {
							cancel()
						}
						ok = l.AcquireContext(ctx) == nil
						cancel()
					case 2:
						ctx, cancel := context.WithTimeout(context.Background(), time.Duration(j%5)*time.Microsecond)
						ok = l.AcquireContext(ctx) == nil
						cancel()
					case 3:
						l.Acquire()
						ok = true
					}
					if !ok {
						continue
					}
					acquired.Add(1)
					if inside.Add(1) != 1 {
						t.Error("two goroutines inside")
					}
					counter++
					inside.Add(-1)
					if j%4 == 0 {
						runtime.Gosched() // hold it for a while
					}
					if err := l.Release(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if int(acquired.Load()) != counter {
			t.Fatalf("acquired %d, counter %d", acquired.Load(), counter)
		}
		usable(t, &l)
		if t.Failed() {
			return
		}
	}
}

// A waiter gets the lock eventually while other goroutines hammer it.
func TestNoStarvation(t *testing.T) {
	var l Lock
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l.Lock()
				for range 50 { // short critical section
					runtime.KeepAlive(&l)
				}
				l.Unlock()
			}
		}()
	}
	defer func() { close(stop); wg.Wait(); usable(t, &l) }()
	for range 20 {
		got := make(chan struct{})
		go func() {
			l.Acquire()
			l.Release()
			close(got)
		}()
		select {
		case <-got:
		case <-time.After(30 * time.Second):
			t.Fatal("waiter starved for 30s")
		}
		ok := make(chan bool)
		go func() { ok <- l.AcquireTimeout(30 * time.Second) }()
		if !<-ok {
			t.Fatal("timed waiter starved for 30s")
		}
		l.Release()
	}
}

func TestZeroAllocs(t *testing.T) {
	// The fast paths allocate nothing under the race detector either, so this
	// runs in both modes.
	var l Lock
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cases := []struct {
		name string
		f    func()
	}{
		{"Acquire/Release", func() { l.Acquire(); l.Release() }},
		{"Lock/Unlock", func() { l.Lock(); l.Unlock() }},
		{"TryAcquire", func() { l.TryAcquire(); l.Release() }},
		{"TryAcquire held", func() { l.Acquire(); l.TryAcquire(); l.Release() }},
		{"AcquireTimeout free", func() { l.AcquireTimeout(time.Second); l.Release() }},
		{"AcquireTimeout(0) held", func() { l.Acquire(); l.AcquireTimeout(0); l.Release() }},
		{"AcquireContext free", func() { l.AcquireContext(ctx); l.Release() }},
		{"AcquireContext cancelled free", func() { l.AcquireContext(cancelledCtx); l.Release() }},
		{"AcquireContext cancelled held", func() { l.Acquire(); l.AcquireContext(cancelledCtx); l.Release() }},
		{"Release unlocked", func() { l.Release() }},
		{"Locked", func() { l.Locked() }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(1000, c.f); a != 0 {
			t.Errorf("%s: %v allocs, want 0", c.name, a)
		}
	}
	clean(t, &l)
}

var cancelledCtx = cancelled()

// With GOMAXPROCS=1 waiters do not spin; the lock still works.
func TestSingleProc(t *testing.T) {
	procs := runtime.GOMAXPROCS(1)
	defer func() {
		runtime.GOMAXPROCS(procs)
		refreshCanSpin(time.Now())
	}()
	refreshCanSpin(time.Now())
	if canSpin.Load() {
		t.Fatal("canSpin with GOMAXPROCS=1")
	}
	var l Lock
	counter := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 500 {
				if j%2 == 0 {
					l.Acquire()
				} else if !l.AcquireTimeout(time.Hour) {
					t.Error("timeout")
					return
				}
				counter++
				if j%16 == 0 {
					runtime.Gosched() // get preempted while holding it
				}
				l.Release()
			}
		}()
	}
	wg.Wait()
	if counter != 8*500 {
		t.Fatalf("counter = %d", counter)
	}
	usable(t, &l)
}
