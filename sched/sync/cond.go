package sync

import (
	"sync"
	"sync/atomic"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Cond is sync.Cond whose operations are scheduling points in a run. In a
// run, Wait registers the goroutine, unlocks L and blocks (modelled) until
// a Signal or Broadcast wakes it; there are no spurious wake-ups, and
// Signal wakes the goroutine that has waited longest, as sync.Cond does.
// Goroutines outside the run wait on a real sync.Cond. Create it with
// NewCond (or set L before first use).
type Cond struct {
	_ noCopy

	// L is held while observing or changing the condition.
	L Locker

	mu      sync.Mutex
	waiters []*atomic.Bool // managed waiters, in order; true once woken
	real    *sync.Cond     // for unmanaged waiters
}

// NewCond returns a new Cond with Locker l.
func NewCond(l Locker) *Cond { return &Cond{L: l} }

func (c *Cond) realCond() *sync.Cond {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real == nil {
		c.real = sync.NewCond(c.L)
	}
	return c.real
}

// Wait atomically unlocks c.L and suspends the goroutine until woken by
// Signal or Broadcast, then locks c.L again before returning.
func (c *Cond) Wait() {
	g := core.Me()
	if g == nil {
		c.realCond().Wait()
		return
	}
	g.Yield("sync.Cond.Wait")
	woken := new(atomic.Bool)
	c.mu.Lock()
	c.waiters = append(c.waiters, woken)
	c.mu.Unlock()
	c.L.Unlock()
	if !g.Block("sync.Cond.Wait (woken)", woken.Load) {
		// The run is over: wait for real, bounded by nothing we control.
		c.realCond().Wait()
		return
	}
	c.L.Lock()
}

// Signal wakes the goroutine that has waited longest on c, if any.
func (c *Cond) Signal() {
	if g := core.Me(); g != nil {
		g.Yield("sync.Cond.Signal")
	}
	c.mu.Lock()
	if len(c.waiters) > 0 {
		c.waiters[0].Store(true)
		c.waiters = c.waiters[1:]
		c.mu.Unlock()
		return
	}
	r := c.real
	c.mu.Unlock()
	if r != nil {
		r.Signal()
	}
}

// Broadcast wakes all goroutines waiting on c.
func (c *Cond) Broadcast() {
	if g := core.Me(); g != nil {
		g.Yield("sync.Cond.Broadcast")
	}
	c.mu.Lock()
	for _, w := range c.waiters {
		w.Store(true)
	}
	c.waiters = nil
	r := c.real
	c.mu.Unlock()
	if r != nil {
		r.Broadcast()
	}
}

// WaitGroup is sync.WaitGroup whose operations are scheduling points in a
// run; in a run Wait blocks (modelled) until the counter is zero.
// Goroutines outside the run wait on a real sync.WaitGroup kept in step.
// The zero value is ready to use.
type WaitGroup struct {
	_    noCopy
	n    atomic.Int64
	real sync.WaitGroup
}

// Add adds delta, which may be negative, to the counter; it panics if the
// counter goes negative.
func (wg *WaitGroup) Add(delta int) {
	if g := core.Me(); g != nil {
		g.Yield("sync.WaitGroup.Add")
	}
	if wg.n.Add(int64(delta)) < 0 {
		wg.n.Add(-int64(delta))
		panic("sync: negative WaitGroup counter")
	}
	wg.real.Add(delta)
}

// Done decrements the counter by one.
func (wg *WaitGroup) Done() { wg.Add(-1) }

// Wait blocks until the counter is zero.
func (wg *WaitGroup) Wait() {
	g := core.Me()
	if g == nil || !g.Block("sync.WaitGroup.Wait", func() bool { return wg.n.Load() == 0 }) {
		wg.real.Wait()
	}
}

// Go calls f in a new goroutine (managed in a run) and adds that task to
// the WaitGroup; f must not panic.
func (wg *WaitGroup) Go(f func()) {
	wg.Add(1)
	start := func() {
		defer wg.Done()
		f()
	}
	if g := core.Me(); g != nil {
		g.Go(start)
		return
	}
	go start()
}

// Once is sync.Once: Do calls f only the first time; the other callers
// wait (modelled, on a sched Mutex) until that call returns.
type Once struct {
	_    noCopy
	done atomic.Bool
	m    Mutex
}

// Do calls f if and only if Do is being called for the first time for
// this instance of Once.
func (o *Once) Do(f func()) {
	if g := core.Me(); g != nil {
		g.Yield("sync.Once.Do")
	}
	if o.done.Load() {
		return
	}
	o.m.Lock()
	defer o.m.Unlock()
	if !o.done.Load() {
		defer o.done.Store(true)
		f()
	}
}

// OnceFunc returns a function that invokes f only once; as sync.OnceFunc,
// if f panics, the returned function panics with the same value on every
// call.
func OnceFunc(f func()) func() {
	var (
		once  Once
		valid bool
		p     any
	)
	g := func() {
		defer func() {
			p = recover()
			if !valid {
				panic(p)
			}
		}()
		f()
		f = nil
		valid = true
	}
	return func() {
		once.Do(g)
		if !valid {
			panic(p)
		}
	}
}

// OnceValue returns a function that invokes f only once and returns its
// value (panics repeated, as sync.OnceValue).
func OnceValue[T any](f func() T) func() T {
	var (
		once   Once
		valid  bool
		p      any
		result T
	)
	g := func() {
		defer func() {
			p = recover()
			if !valid {
				panic(p)
			}
		}()
		result = f()
		f = nil
		valid = true
	}
	return func() T {
		once.Do(g)
		if !valid {
			panic(p)
		}
		return result
	}
}

// OnceValues returns a function that invokes f only once and returns its
// values (panics repeated, as sync.OnceValues).
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var (
		once  Once
		valid bool
		p     any
		r1    T1
		r2    T2
	)
	g := func() {
		defer func() {
			p = recover()
			if !valid {
				panic(p)
			}
		}()
		r1, r2 = f()
		f = nil
		valid = true
	}
	return func() (T1, T2) {
		once.Do(g)
		if !valid {
			panic(p)
		}
		return r1, r2
	}
}
