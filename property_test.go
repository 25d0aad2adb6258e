package lockcheck_test

// Property-based tests of lock.Lock with rapid: a sequential state machine
// against a one-bit reference, mutual exclusion and cross-goroutine release
// under real concurrency, timeouts in virtual time (testing/synctest), and
// cancellation storms. The concurrent histories are also checked for
// linearizability against model.Model.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/lockcheck/lockcheck/lock"
	"github.com/lockcheck/lockcheck/model"
)

// requireFree fails unless l is free, then checks that it still works.
func requireFree(t *rapid.T, l *lock.Lock) {
	t.Helper()
	if l.Locked() {
		t.Fatal("lock held at the end")
	}
	if !l.TryAcquire() {
		t.Fatal("TryAcquire on the free lock failed")
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l.Release(); !errors.Is(err, lock.ErrNotLocked) {
		t.Fatalf("second Release = %v, want ErrNotLocked", err)
	}
}

func cancelledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// seqMachine drives a Lock from one goroutine and compares every result
// with a one-bit reference and with model.Step.
type seqMachine struct {
	l      lock.Lock
	locked bool        // reference
	state  model.State // model cross-check
}

func (m *seqMachine) step(t *rapid.T, in model.Input, ok bool) {
	t.Helper()
	next := model.Step(m.state, in, model.Output{OK: ok})
	if next == 0 {
		t.Fatalf("model rejects %s in state %s", model.Describe(in, model.Output{OK: ok}), m.state)
	}
	m.state = next
}

func (m *seqMachine) acquired(t *rapid.T, op string, got bool, k model.Kind, d time.Duration) {
	t.Helper()
	if want := !m.locked; got != want {
		t.Fatalf("%s = %v with locked=%v", op, got, m.locked)
	}
	m.locked = true
	m.step(t, model.Input{Kind: k, Timeout: d}, got)
}

func (m *seqMachine) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"Acquire": func(t *rapid.T) {
			if m.locked {
				t.Skip("would block forever")
			}
			if rapid.Bool().Draw(t, "sync.Locker") {
				m.l.Lock()
			} else {
				m.l.Acquire()
			}
			m.acquired(t, "Acquire", true, model.Acquire, 0)
		},
		"TryAcquire": func(t *rapid.T) {
			m.acquired(t, "TryAcquire", m.l.TryAcquire(), model.TryAcquire, 0)
		},
		"AcquireTimeout": func(t *rapid.T) {
			d := rapid.SampledFrom([]time.Duration{-time.Second, 0, time.Nanosecond, 20 * time.Microsecond, 200 * time.Microsecond}).Draw(t, "d")
			m.acquired(t, fmt.Sprintf("AcquireTimeout(%v)", d), m.l.AcquireTimeout(d), model.AcquireTimeout, d)
		},
		"AcquireContext": func(t *rapid.T) {
			kind := rapid.SampledFrom([]string{"background", "cancelled", "deadline"}).Draw(t, "ctx")
			var ctx context.Context
			switch kind {
			case "background":
				if m.locked {
					t.Skip("would block forever")
				}
				ctx = context.Background()
			case "cancelled":
				ctx = cancelledCtx()
			case "deadline":
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), 50*time.Microsecond)
				defer cancel()
			}
			err := m.l.AcquireContext(ctx)
			if err != nil && !errors.Is(err, ctx.Err()) {
				t.Fatalf("AcquireContext(%s) = %v, ctx.Err() = %v", kind, err, ctx.Err())
			}
			// Documented choice: a done ctx still takes a free lock.
			m.acquired(t, "AcquireContext("+kind+")", err == nil, model.AcquireContext, 0)
		},
		"Release": func(t *rapid.T) {
			err := m.l.Release()
			if m.locked && err != nil || !m.locked && !errors.Is(err, lock.ErrNotLocked) {
				t.Fatalf("Release = %v with locked=%v", err, m.locked)
			}
			m.locked = false
			m.step(t, model.Input{Kind: model.Release}, err == nil)
		},
		"Unlock": func(t *rapid.T) {
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				m.l.Unlock()
				return
			}()
			if panicked != !m.locked {
				t.Fatalf("Unlock panicked=%v with locked=%v", panicked, m.locked)
			}
			m.locked = false
			m.step(t, model.Input{Kind: model.Release}, !panicked)
		},
		"Locked": func(t *rapid.T) {
			got := m.l.Locked()
			if got != m.locked {
				t.Fatalf("Locked = %v, want %v", got, m.locked)
			}
			m.step(t, model.Input{Kind: model.Locked}, got)
		},
		"": func(t *rapid.T) {
			if m.l.Locked() != m.locked {
				t.Fatalf("Locked() = %v, reference %v", m.l.Locked(), m.locked)
			}
			want := model.StateUnlocked
			if m.locked {
				want = model.StateLocked
			}
			if m.state != want {
				t.Fatalf("model state %s, reference locked=%v", m.state, m.locked)
			}
		},
	}
}

func TestPropSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &seqMachine{state: model.StateUnlocked}
		t.Repeat(m.actions())
	})
}

// The same state machine with the timeouts in virtual time.
func TestPropSequentialSyncTest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rapid.SyncTest(t, func(t *rapid.T) {
			m := &seqMachine{state: model.StateUnlocked}
			t.Repeat(m.actions())
		})
	})
}

// opKind is one acquisition style.
type opKind int

const (
	opAcquire opKind = iota
	opLock
	opTry
	opTimeout
	opContext
	numOpKinds
)

// recorder collects a porcupine history using a logical clock.
type recorder struct {
	clock atomic.Int64
	mu    sync.Mutex
	ops   []porcupine.Operation
}

func (r *recorder) begin() int64 { return r.clock.Add(1) }

func (r *recorder) end(client int, in model.Input, ok bool, call int64) {
	ret := r.clock.Add(1)
	r.mu.Lock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Output: model.Output{OK: ok}, Call: call, Return: ret})
	r.mu.Unlock()
}

func (r *recorder) check(t *rapid.T) {
	t.Helper()
	res := porcupine.CheckOperationsTimeout(model.Model, r.ops, 10*time.Second)
	if res == porcupine.Illegal {
		t.Fatalf("history of %d operations is not linearizable", len(r.ops))
	}
}

// Mutual exclusion: a non-atomic counter protected by the lock comes out
// exact, no two goroutines are ever inside together, and the recorded
// history is linearizable.
func TestPropMutualExclusion(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := rapid.IntRange(1, 12).Draw(t, "goroutines")
		plans := make([][]opKind, g)
		for i := range plans {
			plans[i] = rapid.SliceOfN(rapid.Map(rapid.IntRange(0, int(numOpKinds)-1), func(v int) opKind { return opKind(v) }), 1, 60).Draw(t, fmt.Sprintf("plan%d", i))
		}
		reps := rapid.IntRange(1, 20).Draw(t, "repetitions")
		var (
			l       lock.Lock
			rec     recorder
			inside  atomic.Int32
			counter int // guarded by l
			want    int
			wg      sync.WaitGroup
			bad     atomic.Value
		)
		fail := func(format string, args ...any) { bad.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
		for i, plan := range plans {
			want += reps * len(plan)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range reps * len(plan) {
					k := plan[n%len(plan)]
					// Retry failed attempts (recorded too) until acquired.
					for {
						call := rec.begin()
						var ok bool
						var in model.Input
						switch k {
						case opAcquire:
							l.Acquire()
							ok, in = true, model.Input{Kind: model.Acquire}
						case opLock:
							l.Lock()
							ok, in = true, model.Input{Kind: model.Acquire}
						case opTry:
							ok, in = l.TryAcquire(), model.Input{Kind: model.TryAcquire}
						case opTimeout:
							ok, in = l.AcquireTimeout(5*time.Microsecond), model.Input{Kind: model.AcquireTimeout, Timeout: 5 * time.Microsecond}
						case opContext:
							ctx, cancel := context.WithTimeout(context.Background(), 5*time.Microsecond)
							ok, in = l.AcquireContext(ctx) == nil, model.Input{Kind: model.AcquireContext}
							cancel()
						}
						rec.end(i, in, ok, call)
						if ok {
							break
						}
						runtime.Gosched()
					}
					if inside.Add(1) != 1 {
						fail("two goroutines inside")
					}
					counter++
					inside.Add(-1)
					call := rec.begin()
					err := l.Release()
					rec.end(i, model.Input{Kind: model.Release}, err == nil, call)
					if err != nil {
						fail("Release: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		if msg := bad.Load(); msg != nil {
			t.Fatal(msg)
		}
		if counter != want {
			t.Fatalf("counter = %d, want %d", counter, want)
		}
		requireFree(t, &l)
		rec.check(t)
	})
}

// Cross-goroutine release: worker goroutines take turns acquiring and
// releasing, never the same one for both, following a drawn schedule.
func TestPropCrossGoroutineRelease(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		workers := rapid.IntRange(2, 6).Draw(t, "workers")
		type cmd struct {
			release bool
			reply   chan any
		}
		var l lock.Lock
		chans := make([]chan cmd, workers)
		for i := range chans {
			chans[i] = make(chan cmd)
			go func() {
				for c := range chans[i] {
					if c.release {
						c.reply <- l.Release()
					} else {
						c.reply <- l.TryAcquire()
					}
				}
			}()
		}
		defer func() {
			for _, c := range chans {
				close(c)
			}
		}()
		do := func(w int, release bool) any {
			reply := make(chan any)
			chans[w] <- cmd{release, reply}
			return <-reply
		}
		locked := false
		rounds := rapid.IntRange(1, 40).Draw(t, "rounds")
		for range rounds {
			a := rapid.IntRange(0, workers-1).Draw(t, "acquirer")
			r := (a + rapid.IntRange(1, workers-1).Draw(t, "offset")) % workers
			if got := do(a, false).(bool); got != !locked {
				t.Fatalf("TryAcquire by %d = %v, locked=%v", a, got, locked)
			}
			locked = true
			if rapid.Bool().Draw(t, "release") {
				if err, _ := do(r, true).(error); err != nil {
					t.Fatalf("Release by %d (acquired by %d): %v", r, a, err)
				}
				locked = false
			}
			if l.Locked() != locked {
				t.Fatal("Locked disagrees")
			}
		}
		if locked {
			if err, _ := do(0, true).(error); err != nil {
				t.Fatal(err)
			}
		}
		requireFree(t, &l)
	})
}

// Timeouts in virtual time: with the lock held, waiters with distinct
// timeouts d_i give up after exactly d_i; if the lock is released at r,
// exactly one waiter with d_i > r gets it, at exactly r.
func TestPropTimeoutVirtual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rapid.SyncTest(t, func(t *rapid.T) {
			n := rapid.IntRange(1, 6).Draw(t, "waiters")
			ds := rapid.SliceOfNDistinct(rapid.IntRange(1, 1000), n, n, rapid.ID).Draw(t, "timeouts(ms)")
			useCtx := rapid.SliceOfN(rapid.Bool(), n, n).Draw(t, "ctx")
			release := rapid.Bool().Draw(t, "release")
			r := rapid.IntRange(0, 1100).Filter(func(r int) bool {
				for _, d := range ds {
					if d == r {
						return false
					}
				}
				return true
			}).Draw(t, "release at(ms)")

			var l lock.Lock
			l.Acquire()
			start := time.Now()
			type result struct {
				ok bool
				at time.Duration
			}
			results := make([]result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d := time.Duration(ds[i]) * time.Millisecond
					var ok bool
					if useCtx[i] {
						ctx, cancel := context.WithTimeout(context.Background(), d)
						err := l.AcquireContext(ctx)
						if err != nil && !errors.Is(err, context.DeadlineExceeded) {
							panic(err)
						}
						ok = err == nil
						cancel()
					} else {
						ok = l.AcquireTimeout(d)
					}
					results[i] = result{ok, time.Since(start)}
				}()
			}
			if release {
				time.Sleep(time.Duration(r) * time.Millisecond)
				if err := l.Release(); err != nil {
					t.Fatal(err)
				}
			}
			wg.Wait()
			winners := 0
			for i, res := range results {
				d := time.Duration(ds[i]) * time.Millisecond
				rel := time.Duration(r) * time.Millisecond
				switch {
				case res.ok:
					winners++
					if !release || d < rel || res.at != rel {
						t.Fatalf("waiter %d (timeout %v) acquired at %v; release=%v at %v", i, d, res.at, release, rel)
					}
				case res.at != d:
					t.Fatalf("waiter %d (timeout %v) gave up at %v", i, d, res.at)
				}
			}
			eligible := false
			for _, d := range ds {
				eligible = eligible || d > r
			}
			if want := release && eligible; (winners == 1) != want || winners > 1 {
				t.Fatalf("%d winners, want exactly one: %v", winners, want)
			}
			if l.Locked() != (!release || winners == 1) {
				t.Fatalf("Locked = %v after release=%v with %d winners", l.Locked(), release, winners)
			}
			if l.Locked() {
				l.Release()
			}
			requireFree(t, &l)
		})
	})
}

// Cancellation storms: goroutines acquire with contexts cancelled at drawn
// points (before the call, by another goroutine after some yields, or never)
// while holders hold for drawn numbers of yields. Every nil return held the
// lock exactly once, every other return is ctx.Err(), and the lock ends
// free. Run both in real time and in a synctest bubble.
func TestPropCancellationStorm(t *testing.T) {
	type attempt struct {
		cancelAfter int // -1 never, 0 before the call, k: after k yields
		hold        int // yields while holding
	}
	storm := func(t *rapid.T, bubble bool) {
		g := rapid.IntRange(2, 24).Draw(t, "goroutines")
		plans := make([][]attempt, g)
		for i := range plans {
			plans[i] = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) attempt {
				return attempt{
					cancelAfter: rapid.IntRange(-1, 20).Draw(t, "cancelAfter"),
					hold:        rapid.IntRange(0, 5).Draw(t, "hold"),
				}
			}), 1, 8).Draw(t, fmt.Sprintf("plan%d", i))
		}
		var (
			l         lock.Lock
			inside    atomic.Int32
			counter   int // guarded by l
			successes atomic.Int64
			wg        sync.WaitGroup
			bad       atomic.Value
		)
		fail := func(format string, args ...any) { bad.CompareAndSwap(nil, fmt.Sprintf(format, args...)) }
		for _, plan := range plans {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, a := range plan {
					ctx, cancel := context.WithCancel(context.Background())
					switch {
					case a.cancelAfter == 0:
						cancel()
					case a.cancelAfter > 0:
						wg.Add(1)
						go func() {
							defer wg.Done()
							for range a.cancelAfter {
								runtime.Gosched()
							}
							if bubble {
								time.Sleep(time.Duration(a.cancelAfter) * time.Microsecond)
							}
							cancel()
						}()
					}
					err := l.AcquireContext(ctx)
					if err != nil {
						if err != ctx.Err() || err == nil {
							fail("AcquireContext = %v, ctx.Err() = %v", err, ctx.Err())
						}
						cancel()
						continue
					}
					successes.Add(1)
					if inside.Add(1) != 1 {
						fail("two goroutines inside")
					}
					counter++
					for range a.hold {
						runtime.Gosched()
					}
					if bubble && a.hold > 0 {
						time.Sleep(time.Duration(a.hold) * time.Microsecond)
					}
					inside.Add(-1)
					if err := l.Release(); err != nil {
						fail("Release after nil AcquireContext: %v", err)
					}
					cancel()
				}
			}()
		}
		wg.Wait()
		if msg := bad.Load(); msg != nil {
			t.Fatal(msg)
		}
		if int64(counter) != successes.Load() {
			t.Fatalf("counter %d, successes %d", counter, successes.Load())
		}
		requireFree(t, &l)
	}
	t.Run("real", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) { storm(t, false) })
	})
	t.Run("synctest", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			rapid.SyncTest(t, func(t *rapid.T) { storm(t, true) })
		})
	})
}
