package lock_test

// Benchmarks comparing lock.Lock with sync.Mutex, a channel lock, a
// semaphore.Weighted(1) and a channel+timer timed lock. Sub-benchmarks are
// named .../impl=NAME so that benchstat can put the implementations side by
// side:
//
//	go test -run '^$' -bench . -count 6 ./lock/ | tee /tmp/lockbench.txt
//	benchstat -col /impl /tmp/lockbench.txt

import (
	"context"
	"math"
	"math/bits"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/lock"
	"golang.org/x/sync/semaphore"
)

// chanLock is the classic channel lock; chanTimerLock adds a timed acquire
// built from a timer and a select.
type chanLock chan struct{}

func newChanLock() chanLock { return make(chanLock, 1) }
func (c chanLock) Lock()    { c <- struct{}{} }
func (c chanLock) Unlock()  { <-c }
func (c chanLock) TryLock() bool {
	select {
	case c <- struct{}{}:
		return true
	default:
		return false
	}
}

func (c chanLock) LockContext(ctx context.Context) error {
	select {
	case c <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LockTimeout is the textbook channel+timer timed lock: a fresh timer per
// call, raced against the channel.
func (c chanLock) LockTimeout(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case c <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// LockTimeoutTry is LockTimeout with a non-blocking attempt first, so that
// only waiting calls pay for a timer.
func (c chanLock) LockTimeoutTry(d time.Duration) bool {
	select {
	case c <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case c <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

var sink int

func BenchmarkUncontended(b *testing.B) {
	b.Run("impl=lock", func(b *testing.B) {
		var l lock.Lock
		for b.Loop() {
			l.Acquire()
			l.Release()
		}
	})
	b.Run("impl=locker", func(b *testing.B) { // Lock/Unlock spelling
		var l lock.Lock
		for b.Loop() {
			l.Lock()
			l.Unlock()
		}
	})
	b.Run("impl=mutex", benchMutexLockUnlock)
	b.Run("impl=chan", func(b *testing.B) {
		c := newChanLock()
		for b.Loop() {
			c.Lock()
			c.Unlock()
		}
	})
	b.Run("impl=floor", func(b *testing.B) { // two bare CASes: the floor
		var x atomic.Int32
		for b.Loop() {
			x.CompareAndSwap(0, 1)
			x.CompareAndSwap(1, 0)
		}
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		s := semaphore.NewWeighted(1)
		ctx := context.Background()
		for b.Loop() {
			_ = s.Acquire(ctx, 1)
			s.Release(1)
		}
	})
}

func BenchmarkTryAcquire(b *testing.B) {
	b.Run("impl=lock", func(b *testing.B) {
		var l lock.Lock
		for b.Loop() {
			if l.TryAcquire() {
				l.Release()
			}
		}
	})
	b.Run("impl=mutex", func(b *testing.B) {
		var m sync.Mutex
		for b.Loop() {
			if m.TryLock() {
				m.Unlock()
			}
		}
	})
	b.Run("impl=chan", func(b *testing.B) {
		c := newChanLock()
		for b.Loop() {
			if c.TryLock() {
				c.Unlock()
			}
		}
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		s := semaphore.NewWeighted(1)
		for b.Loop() {
			if s.TryAcquire(1) {
				s.Release(1)
			}
		}
	})
}

// BenchmarkTryAcquireHeld measures a failing attempt on a held lock.
func BenchmarkTryAcquireHeld(b *testing.B) {
	b.Run("impl=lock", func(b *testing.B) {
		var l lock.Lock
		l.Acquire()
		n := 0
		for b.Loop() {
			if l.TryAcquire() {
				n++
			}
		}
		sink = n
	})
	b.Run("impl=mutex", func(b *testing.B) {
		var m sync.Mutex
		m.Lock()
		n := 0
		for b.Loop() {
			if m.TryLock() {
				n++
			}
		}
		sink = n
	})
}

// BenchmarkTimedFree is a timed acquisition (+ release) of a free lock;
// impl=mutex is plain Lock/Unlock, the baseline.
func BenchmarkTimedFree(b *testing.B) {
	b.Run("impl=lock", func(b *testing.B) {
		var l lock.Lock
		for b.Loop() {
			if l.AcquireTimeout(time.Second) {
				l.Release()
			}
		}
	})
	b.Run("impl=mutex", benchMutexLockUnlock)
	b.Run("impl=chantimer", func(b *testing.B) {
		c := newChanLock()
		for b.Loop() {
			if c.LockTimeout(time.Second) {
				c.Unlock()
			}
		}
	})
	b.Run("impl=chantimer-try", func(b *testing.B) {
		c := newChanLock()
		for b.Loop() {
			if c.LockTimeoutTry(time.Second) {
				c.Unlock()
			}
		}
	})
	b.Run("impl=semaphore", func(b *testing.B) { // timeout via context
		s := semaphore.NewWeighted(1)
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if s.Acquire(ctx, 1) == nil {
				s.Release(1)
			}
			cancel()
		}
	})
}

// BenchmarkContextFree is a context acquisition (+ release) of a free lock
// with a cancellable (not done) context; impl=mutex is the Lock/Unlock
// baseline.
func BenchmarkContextFree(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.Run("impl=lock", func(b *testing.B) {
		var l lock.Lock
		for b.Loop() {
			if l.AcquireContext(ctx) == nil {
				l.Release()
			}
		}
	})
	b.Run("impl=mutex", benchMutexLockUnlock)
	b.Run("impl=chan", func(b *testing.B) {
		c := newChanLock()
		for b.Loop() {
			if c.LockContext(ctx) == nil {
				c.Unlock()
			}
		}
	})
	b.Run("impl=semaphore", func(b *testing.B) {
		s := semaphore.NewWeighted(1)
		for b.Loop() {
			if s.Acquire(ctx, 1) == nil {
				s.Release(1)
			}
		}
	})
}

// work burns about n*1ns of CPU without touching shared memory.
//
//go:noinline
func work(n int) int {
	x := n
	for i := 0; i < n; i++ {
		x = x*1664525 + 1013904223
	}
	return x
}

const (
	csWork    = 10 // inside the critical section
	localWork = 20 // between critical sections
)

// contended runs b.N lock/unlock pairs over g goroutines. Each pair guards a
// short critical section on shared data, followed by a little local work.
func contended(b *testing.B, g int, lockFn, unlockFn func()) {
	procs := runtime.GOMAXPROCS(0)
	if g%procs != 0 {
		b.Skipf("goroutines %d not a multiple of GOMAXPROCS %d", g, procs)
	}
	shared := new(padded[int]) // on cache lines of its own
	b.ReportAllocs()
	b.SetParallelism(g / procs)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lockFn()
			shared.v = work(csWork) + shared.v
			unlockFn()
			work(localWork)
		}
	})
	sink = shared.v
}

// padded keeps a lock or datum on cache lines of its own (with the adjacent
// line too), so that results do not depend on what the allocator puts next
// to it: a small lock sharing a line with the data it guards is faster.
type padded[T any] struct {
	_ [128]byte
	v T
	_ [128]byte
}

var goroutineCounts = []int{2, 8, 64}

func BenchmarkContended(b *testing.B) {
	for _, g := range goroutineCounts {
		b.Run("g="+strconv.Itoa(g), func(b *testing.B) {
			b.Run("impl=lock", func(b *testing.B) {
				l := &new(padded[lock.Lock]).v
				contended(b, g, func() { l.Acquire() }, func() { l.Release() })
			})
			b.Run("impl=mutex", func(b *testing.B) {
				m := &new(padded[sync.Mutex]).v
				contended(b, g, m.Lock, m.Unlock)
			})
			b.Run("impl=chan", func(b *testing.B) {
				c := newChanLock()
				contended(b, g, c.Lock, c.Unlock)
			})
			b.Run("impl=semaphore", func(b *testing.B) {
				s := semaphore.NewWeighted(1)
				ctx := context.Background()
				contended(b, g, func() { _ = s.Acquire(ctx, 1) }, func() { s.Release(1) })
			})
		})
	}
}

// BenchmarkContendedTimed: 8 goroutines acquire with a (never expiring)
// timeout. impl=mutex is untimed, for reference.
func BenchmarkContendedTimed(b *testing.B) {
	const g = 8
	const d = time.Minute
	b.Run("impl=lock", func(b *testing.B) {
		l := &new(padded[lock.Lock]).v
		contended(b, g, func() {
			if !l.AcquireTimeout(d) {
				panic("timeout")
			}
		}, func() { l.Release() })
	})
	b.Run("impl=lockctx", func(b *testing.B) {
		l := &new(padded[lock.Lock]).v
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		contended(b, g, func() {
			if l.AcquireContext(ctx) != nil {
				panic("timeout")
			}
		}, func() { l.Release() })
	})
	b.Run("impl=chantimer", func(b *testing.B) {
		c := newChanLock()
		contended(b, g, func() {
			if !c.LockTimeout(d) {
				panic("timeout")
			}
		}, c.Unlock)
	})
	b.Run("impl=chantimer-try", func(b *testing.B) {
		c := newChanLock()
		contended(b, g, func() {
			if !c.LockTimeoutTry(d) {
				panic("timeout")
			}
		}, c.Unlock)
	})
	b.Run("impl=mutex", func(b *testing.B) {
		m := &new(padded[sync.Mutex]).v
		contended(b, g, m.Lock, m.Unlock)
	})
}

// hist is a log-linear latency histogram (8 sub-buckets per power of two).
type hist struct {
	n   [64 * 8]int64
	max int64
}

func (h *hist) add(ns int64) {
	if ns < 0 {
		ns = 0
	}
	h.n[bucket(ns)]++
	if ns > h.max {
		h.max = ns
	}
}

func bucket(ns int64) int {
	if ns < 8 {
		return int(ns)
	}
	e := bits.Len64(uint64(ns)) - 1 // ns in [2^e, 2^(e+1))
	m := int(ns>>(uint(e)-3)) & 7   // next three bits
	return (e-2)*8 + m
}

// lower bound of a bucket
func bucketValue(i int) int64 {
	if i < 8 {
		return int64(i)
	}
	e, m := i/8+2, int64(i%8)
	return (8 + m) << (uint(e) - 3)
}

func (h *hist) merge(o *hist) {
	for i := range h.n {
		h.n[i] += o.n[i]
	}
	h.max = max(h.max, o.max)
}

func (h *hist) quantile(q float64) int64 {
	var total int64
	for _, c := range h.n {
		total += c
	}
	want := int64(math.Ceil(q * float64(total)))
	var seen int64
	for i, c := range h.n {
		seen += c
		if seen >= want && c > 0 {
			return bucketValue(i)
		}
	}
	return h.max
}

// BenchmarkHandoff measures fairness with g goroutines competing for b.N
// acquisitions in total: per-acquisition wait (p50/p99/max) and the
// unevenness max/min acquisitions per goroutine (1 = perfectly even).
func BenchmarkHandoff(b *testing.B) {
	for _, g := range []int{2, 8} {
		b.Run("g="+strconv.Itoa(g), func(b *testing.B) {
			b.Run("impl=lock", func(b *testing.B) {
				l := &new(padded[lock.Lock]).v
				handoff(b, g, l.Lock, l.Unlock)
			})
			b.Run("impl=mutex", func(b *testing.B) {
				m := &new(padded[sync.Mutex]).v
				handoff(b, g, m.Lock, m.Unlock)
			})
		})
	}
}

func handoff(b *testing.B, g int, lockFn, unlockFn func()) {
	type perG struct {
		h     hist
		count int
		_     [128]byte
	}
	ps := make([]perG, g)
	shared := new(padded[int]) // acquisitions so far, guarded by the lock
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &ps[i]
			for {
				t0 := time.Now()
				lockFn()
				p.h.add(int64(time.Since(t0)))
				if shared.v >= b.N {
					unlockFn()
					return
				}
				shared.v++
				p.count++
				work(csWork)
				unlockFn()
				work(localWork)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var all hist
	lo, hi := ps[0].count, ps[0].count
	for i := range ps {
		all.merge(&ps[i].h)
		lo, hi = min(lo, ps[i].count), max(hi, ps[i].count)
	}
	b.ReportMetric(float64(all.quantile(0.5)), "p50-ns")
	b.ReportMetric(float64(all.quantile(0.99)), "p99-ns")
	b.ReportMetric(float64(all.max), "max-ns")
	b.ReportMetric(float64(hi)/float64(max(lo, 1)), "max/min")
}

// benchMutexLockUnlock is the baseline of the uncontended benchmarks:
// sync.Mutex's Lock and Unlock.
func benchMutexLockUnlock(b *testing.B) {
	var m sync.Mutex
	for b.Loop() {
		m.Lock()
		m.Unlock()
	}
}
