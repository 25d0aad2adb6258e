package zoo

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// This file holds the broken locks. Each has exactly one bug; everything
// else about it is correct. The doc comment of each names the bug and the
// interleaving that exposes it.

// CheckThenSet has a non-atomic check-then-set: TryAcquire loads the flag
// and, if it is clear, stores it, in two separate atomic operations.
// Acquire spins on TryAcquire.
//
// Interleaving: A and B call TryAcquire on a free lock (or spin in Acquire
// while a holder releases); both load false before either stores true; both
// return true. Two acquisitions succeed with no release between them.
type CheckThenSet struct{ held atomic.Bool }

// Acquire spins until TryAcquire succeeds.
func (l *CheckThenSet) Acquire() {
	for !l.TryAcquire() {
		runtime.Gosched()
	}
}

// TryAcquire is the bug: check, then set.
func (l *CheckThenSet) TryAcquire() bool {
	if l.held.Load() {
		return false
	}
	l.held.Store(true)
	return true
}

// Release clears the flag, or returns ErrNotLocked if it was clear.
func (l *CheckThenSet) Release() error {
	if !l.held.Swap(false) {
		return ErrNotLocked
	}
	return nil
}

// IfNotFor waits on its condition variable with if instead of for.
//
// Interleaving: A holds the lock; W calls Acquire, finds it held and waits.
// A releases: held = false, and Signal makes W runnable. Before W gets the
// mutex back, B's TryAcquire (or Acquire) finds the lock free and takes it.
// W returns from Wait and, not re-checking, sets held and returns: B and W
// both hold the lock.
type IfNotFor struct {
	mu   sync.Mutex
	cond sync.Cond
	held bool
}

// NewIfNotFor returns an unlocked IfNotFor.
func NewIfNotFor() *IfNotFor {
	l := &IfNotFor{}
	l.cond.L = &l.mu
	return l
}

// Acquire is the bug: "if l.held" should be "for l.held".
func (l *IfNotFor) Acquire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		l.cond.Wait()
	}
	l.held = true
}

// TryAcquire takes the lock if it is free.
func (l *IfNotFor) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// Release frees the lock and signals one waiter, or returns ErrNotLocked.
func (l *IfNotFor) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	l.held = false
	l.cond.Signal()
	return nil
}

// LostWakeup has a lost wake-up: a waiter whose try failed registers for a
// wake-up and parks without trying again under the mutex.
//
// Interleaving: A holds the lock. W's TryAcquire fails. A releases: there
// is no waiter to wake. W registers its channel and parks, on a lock that
// is free, until some later release (there may be none).
type LostWakeup struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{}
}

// Acquire is the bug: between the failed TryAcquire and the registration
// the lock can be released.
func (l *LostWakeup) Acquire() {
	for !l.TryAcquire() {
		ch := make(chan struct{})
		l.mu.Lock()
		l.waiters = append(l.waiters, ch)
		l.mu.Unlock()
		<-ch
	}
}

// TryAcquire takes the lock if it is free.
func (l *LostWakeup) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// Release frees the lock and wakes the first registered waiter, or returns
// ErrNotLocked.
func (l *LostWakeup) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	l.held = false
	if len(l.waiters) > 0 {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
	}
	return nil
}

// CountingSemaphore is a counting semaphore posing as a lock, like Python's
// threading.Semaphore(1) used where a Lock was meant: it starts with one
// permit, and Release adds a permit whether or not one was taken.
//
// Interleaving: nobody holds the lock; B calls Release, which succeeds
// (instead of reporting that the lock is not locked) and makes two
// permits, so A and C can then both acquire.
type CountingSemaphore struct {
	mu      sync.Mutex
	cond    sync.Cond
	permits int
}

// NewCountingSemaphore returns a semaphore with one permit.
func NewCountingSemaphore() *CountingSemaphore {
	l := &CountingSemaphore{permits: 1}
	l.cond.L = &l.mu
	return l
}

// Acquire waits for a permit and takes it.
func (l *CountingSemaphore) Acquire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.permits == 0 {
		l.cond.Wait()
	}
	l.permits--
}

// TryAcquire takes a permit if there is one.
func (l *CountingSemaphore) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.permits == 0 {
		return false
	}
	l.permits--
	return true
}

// Release is the bug: it adds a permit even if none was taken.
func (l *CountingSemaphore) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.permits++
	l.cond.Signal()
	return nil
}

// Broadcast hands the lock over on release by closing a channel that all
// waiters wait on: a release meant to pass the lock to one waiter lets
// every waiter through.
//
// Interleaving: A holds the lock; W1 and W2 call Acquire and wait on the
// same channel. A releases: as there are waiters the lock stays held and
// the channel is closed. W1 and W2 both return, both holding the lock.
type Broadcast struct {
	mu      sync.Mutex
	held    bool
	waiters int
	wake    chan struct{} // closed to hand the lock over
}

// NewBroadcast returns an unlocked Broadcast.
func NewBroadcast() *Broadcast { return &Broadcast{wake: make(chan struct{})} }

// Acquire takes a free lock, or waits to be handed it.
func (l *Broadcast) Acquire() {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return
	}
	l.waiters++
	wake := l.wake
	l.mu.Unlock()
	<-wake // handed the lock: it stayed held for us
}

// TryAcquire takes the lock if it is free.
func (l *Broadcast) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// Release is the bug: close wakes all the waiters, not one.
func (l *Broadcast) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	if l.waiters == 0 {
		l.held = false
		return nil
	}
	close(l.wake)
	l.wake = make(chan struct{})
	l.waiters = 0
	return nil
}

// TimeoutNoTry is a Channel whose AcquireTimeout does not try the lock
// before it starts its timer: it selects on the lock and the timer at once,
// and when both are ready select picks one at random.
//
// Interleaving: the lock is free; A calls AcquireTimeout(0) (or a timeout
// that expires before A's goroutine reaches the select). Both cases are
// ready; select picks the timer half of the time and A reports that it
// could not acquire a free lock.
type TimeoutNoTry struct{ Channel }

// NewTimeoutNoTry returns an unlocked TimeoutNoTry.
func NewTimeoutNoTry() TimeoutNoTry { return TimeoutNoTry{NewChannel()} }

// AcquireTimeout is the bug: no TryAcquire before the select.
func (l TimeoutNoTry) AcquireTimeout(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case l.Channel <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

// TimeoutKeepsGrant is a hand-off lock: a release with waiters keeps the
// lock held and passes it to the first waiter. A timed-out waiter removes
// itself from the queue, but does not check whether it has been handed the
// lock in the meantime.
//
// Interleaving: A holds the lock; W calls AcquireTimeout(d) and queues. W's
// timer fires, and W wakes up for it; before W takes the mutex, A releases
// and hands the lock to W, which is still first in the queue. W then finds
// itself no longer queued, and returns false. The lock stays held by
// nobody: every later TryAcquire fails.
type TimeoutKeepsGrant struct {
	mu    sync.Mutex
	held  bool
	queue []chan struct{} // each receives one token when handed the lock
}

// NewTimeoutKeepsGrant returns an unlocked TimeoutKeepsGrant.
func NewTimeoutKeepsGrant() *TimeoutKeepsGrant { return &TimeoutKeepsGrant{} }

// enqueue takes a free lock, or queues a waiter; l.mu must be held.
func (l *TimeoutKeepsGrant) enqueue() (acquired bool, ch chan struct{}) {
	if !l.held {
		l.held = true
		return true, nil
	}
	ch = make(chan struct{}, 1)
	l.queue = append(l.queue, ch)
	return false, ch
}

// Acquire takes a free lock, or waits to be handed it.
func (l *TimeoutKeepsGrant) Acquire() {
	l.mu.Lock()
	ok, ch := l.enqueue()
	l.mu.Unlock()
	if !ok {
		<-ch
	}
}

// TryAcquire takes the lock if it is free.
func (l *TimeoutKeepsGrant) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// AcquireTimeout is the bug: after its timer fires it leaves the queue
// without looking in its channel for a hand-off.
func (l *TimeoutKeepsGrant) AcquireTimeout(d time.Duration) bool {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return true
	}
	if d <= 0 {
		l.mu.Unlock()
		return false
	}
	_, ch := l.enqueue()
	l.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		l.mu.Lock()
		defer l.mu.Unlock()
		if i := slices.Index(l.queue, ch); i >= 0 {
			l.queue = slices.Delete(l.queue, i, i+1)
		}
		return false
	}
}

// Release hands the lock to the first waiter, or frees it; it returns
// ErrNotLocked if the lock is not held.
func (l *TimeoutKeepsGrant) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	if len(l.queue) > 0 {
		ch := l.queue[0]
		l.queue = l.queue[1:]
		ch <- struct{}{} // the lock stays held, by the waiter now
		return nil
	}
	l.held = false
	return nil
}

// GhostWaiter wakes waiters rather than handing them the lock: a release
// frees the lock and wakes the first queued waiter, which competes for it
// again. A waiter whose AcquireTimeout times out forgets to leave the queue.
//
// Interleaving: A holds the lock; T calls AcquireTimeout(d) and queues,
// then W calls Acquire and queues behind T. T times out and returns false,
// still queued. A releases: it frees the lock and wakes T, which is gone.
// W sleeps on a free lock; if nobody else acquires and releases, forever.
type GhostWaiter struct {
	mu    sync.Mutex
	held  bool
	queue []chan struct{} // each receives one token when woken
}

// NewGhostWaiter returns an unlocked GhostWaiter.
func NewGhostWaiter() *GhostWaiter { return &GhostWaiter{} }

// Acquire takes the lock, waiting in the queue while it is held.
func (l *GhostWaiter) Acquire() {
	for {
		l.mu.Lock()
		if !l.held {
			l.held = true
			l.mu.Unlock()
			return
		}
		ch := make(chan struct{}, 1)
		l.queue = append(l.queue, ch)
		l.mu.Unlock()
		<-ch
	}
}

// TryAcquire takes the lock if it is free.
func (l *GhostWaiter) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// AcquireTimeout is the bug: on timeout it returns without leaving the
// queue.
func (l *GhostWaiter) AcquireTimeout(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		l.mu.Lock()
		if !l.held {
			l.held = true
			l.mu.Unlock()
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			l.mu.Unlock()
			return false
		}
		ch := make(chan struct{}, 1)
		l.queue = append(l.queue, ch)
		l.mu.Unlock()
		t := time.NewTimer(left)
		select {
		case <-ch:
			t.Stop()
		case <-t.C:
			return false
		}
	}
}

// Release frees the lock and wakes the first queued waiter, or returns
// ErrNotLocked.
func (l *GhostWaiter) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	l.held = false
	if len(l.queue) > 0 {
		l.queue[0] <- struct{}{}
		l.queue = l.queue[1:]
	}
	return nil
}

// ContextKeepsLock is a Channel whose AcquireContext ends with "return
// ctx.Err()" whichever case of its select ran, so when it acquires the lock
// with the context done it reports failure and keeps the lock.
//
// Interleaving: the lock is free and A calls AcquireContext with a context
// that is already cancelled. Both cases of the select are ready; half of
// the time it takes the lock, then returns context.Canceled. Nobody holds
// the lock, but every later TryAcquire fails.
type ContextKeepsLock struct{ Channel }

// NewContextKeepsLock returns an unlocked ContextKeepsLock.
func NewContextKeepsLock() ContextKeepsLock { return ContextKeepsLock{NewChannel()} }

// AcquireContext is the bug: the error is taken from ctx, not from which
// case ran.
func (l ContextKeepsLock) AcquireContext(ctx context.Context) error {
	select {
	case l.Channel <- struct{}{}:
	case <-ctx.Done():
	}
	return ctx.Err()
}

// ContextErrUnwrapped is a Channel whose AcquireContext adds context to the
// error with %v instead of %w, so callers cannot tell with errors.Is that
// the context ended it.
//
// Interleaving: A holds the lock; B's AcquireContext's context is
// cancelled (before or during the call); B returns an error that is not,
// and does not wrap, ctx.Err().
type ContextErrUnwrapped struct{ Channel }

// NewContextErrUnwrapped returns an unlocked ContextErrUnwrapped.
func NewContextErrUnwrapped() ContextErrUnwrapped { return ContextErrUnwrapped{NewChannel()} }

// AcquireContext is the bug: %v should be %w.
func (l ContextErrUnwrapped) AcquireContext(ctx context.Context) error {
	if l.TryAcquire() {
		return nil
	}
	select {
	case l.Channel <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("zoo: acquire abandoned: %v", ctx.Err())
	}
}

// futex is Ulrich Drepper's three-state mutex ("Futexes Are Tricky",
// mutex 2), with a sync.Cond standing in for the futex. Its state word is
// unlocked, locked, or contended: locked, and waiters may be asleep, so the
// release must wake one. As written here it is correct; Contended and
// TrySwap each get one of its methods wrong.
type futex struct {
	state atomic.Int32
	mu    sync.Mutex // protects sleeping on cond, the futex
	cond  sync.Cond
}

const (
	unlocked int32 = iota
	locked
	contended
)

func (l *futex) init() { l.cond.L = &l.mu }

// Acquire takes the lock, marking it contended and sleeping while it is
// held.
func (l *futex) Acquire() {
	if l.state.CompareAndSwap(unlocked, locked) {
		return
	}
	for l.state.Swap(contended) != unlocked {
		l.mu.Lock() // futex wait while the state is contended
		for l.state.Load() == contended {
			l.cond.Wait()
		}
		l.mu.Unlock()
	}
}

// TryAcquire takes the lock if it is free.
func (l *futex) TryAcquire() bool { return l.state.CompareAndSwap(unlocked, locked) }

// Release frees the lock and, if it was contended, wakes a sleeper; it
// returns ErrNotLocked if the lock was free.
func (l *futex) Release() error {
	switch l.state.Swap(unlocked) {
	case unlocked:
		return ErrNotLocked
	case contended:
		l.mu.Lock() // futex wake
		l.cond.Signal()
		l.mu.Unlock()
	}
	return nil
}

// Locked reports whether the lock is held.
func (l *futex) Locked() bool { return l.state.Load() != unlocked }

// Contended is Drepper's mutex (see futex) whose Locked compares the state
// word with locked only, missing contended.
//
// Interleaving: A holds the lock (state locked); W calls Acquire, sets the
// state to contended and sleeps. B calls Locked, which reports false.
type Contended struct{ futex }

// NewContended returns an unlocked Contended.
func NewContended() *Contended {
	l := &Contended{}
	l.init()
	return l
}

// Locked is the bug: it misses the contended state.
func (l *Contended) Locked() bool { return l.state.Load() == locked }

// TrySwap is Drepper's mutex (see futex) whose TryAcquire uses an exchange
// instead of a compare-and-swap: it swaps in locked and succeeds if the old
// state was unlocked. On a contended lock it fails, as it should, but it
// has overwritten contended with locked, so the holder's release no longer
// knows that anyone sleeps.
//
// Interleaving: A holds the lock; W calls Acquire, sets the state to
// contended and sleeps. B's TryAcquire fails, leaving the state locked. A
// releases: the old state is locked, so nobody is woken. W sleeps on a free
// lock.
type TrySwap struct{ futex }

// NewTrySwap returns an unlocked TrySwap.
func NewTrySwap() *TrySwap {
	l := &TrySwap{}
	l.init()
	return l
}

// TryAcquire is the bug: Swap should be CompareAndSwap.
func (l *TrySwap) TryAcquire() bool { return l.state.Swap(locked) == unlocked }

// SemaphoreRecover adapts x/sync/semaphore.Weighted(1) the obvious way, and
// turns the panic of Weighted.Release on an unlocked semaphore into
// ErrNotLocked with recover. But Weighted.Release decrements its count
// before it checks it: after the recovered panic the count is -1, and the
// semaphore admits two holders.
//
// Interleaving: nobody holds the lock; B calls Release, which reports
// ErrNotLocked (correctly) but leaves the count at -1. A and C then both
// acquire.
type SemaphoreRecover struct{ sem *semaphore.Weighted }

// NewRecoveringSemaphore returns an unlocked SemaphoreRecover.
func NewRecoveringSemaphore() SemaphoreRecover {
	return SemaphoreRecover{semaphore.NewWeighted(1)}
}

// Acquire acquires the semaphore.
func (l SemaphoreRecover) Acquire() { _ = l.sem.Acquire(context.Background(), 1) }

// TryAcquire acquires the semaphore if it is free.
func (l SemaphoreRecover) TryAcquire() bool { return l.sem.TryAcquire(1) }

// Release is the bug: the panic is recovered, the damage is not undone.
func (l SemaphoreRecover) Release() (err error) {
	defer func() {
		if recover() != nil {
			err = ErrNotLocked
		}
	}()
	l.sem.Release(1)
	return nil
}

// TimeoutNoWait is a Channel whose AcquireTimeout never waits: it tries the
// lock once and gives up, whatever the timeout, as a wrapper does that maps
// a timed acquire onto a try.
//
// Interleaving: A holds the lock; B calls AcquireTimeout(50ms), which
// returns false a few microseconds later. Linearizability accepts it (the
// lock was held during the call); the promise of the timeout is broken: B
// should have waited up to 50ms for A's release.
type TimeoutNoWait struct{ Channel }

// NewTimeoutNoWait returns an unlocked TimeoutNoWait.
func NewTimeoutNoWait() TimeoutNoWait { return TimeoutNoWait{NewChannel()} }

// AcquireTimeout is the bug: it ignores d.
func (l TimeoutNoWait) AcquireTimeout(d time.Duration) bool { return l.TryAcquire() }

// UncountedWaiter wakes its waiters by closing a channel, as a condition
// variable's broadcast does, and skips the wake-up when no waiter is
// counted. Acquire counts itself; AcquireTimeout forgets to.
//
// Interleaving: A holds the lock; B calls AcquireTimeout(2s) and waits,
// uncounted. A releases: no waiter is counted, so nobody is woken. B sits
// out its whole timeout on a free lock, then returns false. Linearizability
// accepts it (the lock was held when B called); the watchdog sees a timed
// waiter with time left that does not proceed after a release.
type UncountedWaiter struct {
	mu      sync.Mutex
	held    bool
	waiters int           // waiters that a release must wake
	wake    chan struct{} // closed, and replaced, by a release that wakes the waiters
}

// NewUncountedWaiter returns an unlocked UncountedWaiter.
func NewUncountedWaiter() *UncountedWaiter { return &UncountedWaiter{wake: make(chan struct{})} }

// Acquire takes the lock, waiting for a wake-up while it is held.
func (l *UncountedWaiter) Acquire() {
	l.mu.Lock()
	for l.held {
		l.waiters++
		wake := l.wake
		l.mu.Unlock()
		<-wake
		l.mu.Lock()
		l.waiters--
	}
	l.held = true
	l.mu.Unlock()
}

// TryAcquire takes the lock if it is free.
func (l *UncountedWaiter) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// AcquireTimeout is the bug: it waits for a wake-up without counting
// itself in l.waiters.
func (l *UncountedWaiter) AcquireTimeout(d time.Duration) bool {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return true
	}
	if d <= 0 {
		l.mu.Unlock()
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for l.held {
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-t.C:
			return false
		}
		l.mu.Lock()
	}
	l.held = true
	l.mu.Unlock()
	return true
}

// Release frees the lock and, if waiters are counted, wakes them all (each
// tries again); it returns ErrNotLocked if the lock is not held.
func (l *UncountedWaiter) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return ErrNotLocked
	}
	l.held = false
	if l.waiters > 0 {
		close(l.wake)
		l.wake = make(chan struct{})
	}
	return nil
}
