package zoo

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// Mutex adapts sync.Mutex. It is correct, but releasing an unlocked
// sync.Mutex is a fatal error that cannot be recovered, so it must be run
// with sim.WithoutUnlockedRelease: the harness then releases it only when it
// knows it is held. Release always returns nil.
type Mutex struct{ mu sync.Mutex }

// Acquire locks the mutex.
func (m *Mutex) Acquire() { m.mu.Lock() }

// TryAcquire is sync.Mutex.TryLock.
func (m *Mutex) TryAcquire() bool { return m.mu.TryLock() }

// Release unlocks the mutex; it must be locked.
func (m *Mutex) Release() error { m.mu.Unlock(); return nil }

// Channel is a lock made of a channel with room for one token: holding the
// lock is having put the token in.
type Channel chan struct{}

// NewChannel returns an unlocked Channel.
func NewChannel() Channel { return make(Channel, 1) }

// Acquire puts the token in, waiting for room.
func (l Channel) Acquire() { l <- struct{}{} }

// TryAcquire puts the token in if there is room.
func (l Channel) TryAcquire() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}

// AcquireTimeout tries first, so that a free lock is acquired whatever d
// is, then waits at most d.
func (l Channel) AcquireTimeout(d time.Duration) bool {
	if l.TryAcquire() {
		return true
	}
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case l <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// AcquireContext tries first, then waits until ctx is done.
func (l Channel) AcquireContext(ctx context.Context) error {
	if l.TryAcquire() {
		return nil
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release takes the token out, or returns ErrNotLocked if there is none.
func (l Channel) Release() error {
	select {
	case <-l:
		return nil
	default:
		return ErrNotLocked
	}
}

// Locked reports whether the token is in.
func (l Channel) Locked() bool { return len(l) == 1 }

// Semaphore adapts golang.org/x/sync/semaphore.Weighted(1) to a lock.
//
// Weighted.Release(1) on a semaphore that is not held panics, and it
// decrements the count before it checks, so even a recovered panic leaves
// the semaphore corrupted (see the broken lock SemaphoreRecover and
// docs/power.md). Release therefore releases only a held semaphore. It
// finds out with a probe, sem.TryAcquire(1): if the probe succeeds the
// semaphore was free, so Release gives the probe back and returns
// ErrNotLocked; if it fails, some acquirer holds it and Release(1) is safe.
// Releases and TryAcquire calls are serialized by mu, so no TryAcquire can
// see the probe's brief hold and no second release can slip in between the
// probe and the release; a blocking Acquire that arrives during the probe
// just waits a little longer. (Keeping a held flag beside the semaphore is
// not enough: a blocking acquirer holds the semaphore before it can set the
// flag, and a release in that window would wrongly report ErrNotLocked.)
//
// The adapter offers no AcquireContext, although Weighted.Acquire takes a
// context: a cancelled Weighted.Acquire that loses a race with a release
// holds the semaphore for a moment and then gives it back while reporting
// failure, which a concurrent TryAcquire can observe as a held lock nobody
// acquired (docs/power.md has the details).
type Semaphore struct {
	sem *semaphore.Weighted
	mu  sync.Mutex // serializes Release and TryAcquire
}

// NewSemaphore returns an unlocked Semaphore.
func NewSemaphore() *Semaphore { return NewSemaphoreOf(semaphore.NewWeighted(1)) }

// NewSemaphoreOf adapts sem, which must be a free Weighted(1) used only
// through the adapter (and, if the caller must, through Weighted.Acquire).
func NewSemaphoreOf(sem *semaphore.Weighted) *Semaphore { return &Semaphore{sem: sem} }

// Acquire acquires the semaphore, waiting as long as it takes.
func (s *Semaphore) Acquire() { _ = s.sem.Acquire(context.Background(), 1) }

// TryAcquire acquires the semaphore if it is free.
func (s *Semaphore) TryAcquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sem.TryAcquire(1)
}

// Release releases the semaphore if it is held, or returns ErrNotLocked.
func (s *Semaphore) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sem.TryAcquire(1) { // free: undo the probe
		s.sem.Release(1)
		return ErrNotLocked
	}
	s.sem.Release(1)
	return nil
}

// Cond is a lock made of a sync.Mutex, a held flag and a sync.Cond, with
// the waits in for loops. AcquireContext wakes its waiters with
// context.AfterFunc, as in the context package's example for sync.Cond;
// AcquireTimeout is AcquireContext with a deadline, after a first try.
type Cond struct {
	mu   sync.Mutex
	cond sync.Cond
	held bool
	work func() // called with mu held in every operation; nil for none (see Slow)
}

// NewCond returns an unlocked Cond.
func NewCond() *Cond {
	l := &Cond{}
	l.cond.L = &l.mu
	return l
}

func (l *Cond) lock() {
	l.mu.Lock()
	if l.work != nil {
		l.work()
	}
}

// Acquire waits until the lock is free and takes it.
func (l *Cond) Acquire() {
	l.lock()
	defer l.mu.Unlock()
	for l.held {
		l.cond.Wait()
	}
	l.held = true
}

// TryAcquire takes the lock if it is free.
func (l *Cond) TryAcquire() bool {
	l.lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// AcquireTimeout tries first, then waits at most d.
func (l *Cond) AcquireTimeout(d time.Duration) bool {
	if l.TryAcquire() {
		return true
	}
	if d <= 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return l.AcquireContext(ctx) == nil
}

// AcquireContext waits until the lock is free or ctx is done. A free lock
// is taken even if ctx is already done.
func (l *Cond) AcquireContext(ctx context.Context) error {
	l.lock()
	defer l.mu.Unlock()
	if !l.held {
		l.held = true
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.cond.Broadcast()
	})
	defer stop()
	for l.held {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.cond.Wait()
	}
	l.held = true
	return nil
}

// Release frees the lock and wakes one waiter, or returns ErrNotLocked.
func (l *Cond) Release() error {
	l.lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	l.held = false
	l.cond.Signal()
	return nil
}

// Locked reports whether the lock is held.
func (l *Cond) Locked() bool {
	l.lock()
	defer l.mu.Unlock()
	return l.held
}

// Slow is a correct lock that takes its time: every operation sleeps for a
// random 0 to 3ms before and after its work, and again while holding its
// internal mutex, like a lock that logs or does I/O. The harness must not
// mistake its slowness for a stuck waiter.
type Slow struct{ c *Cond }

// NewSlow returns an unlocked Slow.
func NewSlow() *Slow {
	c := NewCond()
	c.work = pause
	return &Slow{c}
}

func pause() { time.Sleep(rand.N(3 * time.Millisecond)) }

// Acquire is Cond.Acquire, slowly.
func (l *Slow) Acquire() { pause(); l.c.Acquire(); pause() }

// TryAcquire is Cond.TryAcquire, slowly.
func (l *Slow) TryAcquire() bool { pause(); defer pause(); return l.c.TryAcquire() }

// AcquireTimeout is Cond.AcquireTimeout, slowly.
func (l *Slow) AcquireTimeout(d time.Duration) bool {
	pause()
	defer pause()
	return l.c.AcquireTimeout(d)
}

// AcquireContext is Cond.AcquireContext, slowly.
func (l *Slow) AcquireContext(ctx context.Context) error {
	pause()
	defer pause()
	return l.c.AcquireContext(ctx)
}

// Release is Cond.Release, slowly.
func (l *Slow) Release() error { pause(); defer pause(); return l.c.Release() }

// Locked is Cond.Locked, slowly.
func (l *Slow) Locked() bool { pause(); defer pause(); return l.c.Locked() }
