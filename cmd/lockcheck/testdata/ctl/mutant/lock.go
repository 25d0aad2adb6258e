// Package mutant is a test fixture of lockcheck test: a copy of lock/lock.go
// with one bug, the first of the broken variants of the spin model
// (docs/formal.md): acquireSlow enqueues without re-checking the locked bit
// under mu, so a release between the waiter's failed attempt and its
// enqueueing wakes nobody, and the waiter parks on a free lock.
package mutant

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotLocked is returned by [Lock.Release] when the lock is not held.
// It corresponds to the RuntimeError raised by Python's Lock.release().
var ErrNotLocked = errors.New("lock: release of unlocked lock")

// A Lock is a mutual-exclusion lock with the semantics of Python's
// threading.Lock: two states, created unlocked, and not owned by any
// goroutine, so one goroutine may acquire it and another release it.
//
// The zero value is an unlocked lock. A Lock must not be copied after first
// use. Lock implements [sync.Locker].
type Lock struct {
	_     noCopy
	state int32      // see the algorithm comment; only via sync/atomic
	mu    sync.Mutex // guards head, tail and every waiter's queue fields
	head  *waiter    // FIFO of parked waiters
	tail  *waiter
}

// load and cas access the state word. Plain int32 with sync/atomic functions
// rather than atomic.Int32: its methods cost more in the inliner's budget, and
// the fast paths (a load and a CAS) must stay inlinable.
func (l *Lock) load() int32             { return atomic.LoadInt32(&l.state) }
func (l *Lock) cas(old, new int32) bool { return atomic.CompareAndSwapInt32(&l.state, old, new) }

// noCopy makes go vet's copylocks check flag copies of a Lock.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Acquire blocks until it acquires l.
// It is Python's lock.acquire() (blocking=True, no timeout).
func (l *Lock) Acquire() {
	if atomic.LoadInt32(&l.state) != 0 || !atomic.CompareAndSwapInt32(&l.state, 0, mutexLocked) {
		l.acquireSlow(-1, nil)
	}
}

// Lock is [Lock.Acquire]; with [Lock.Unlock] it makes l a [sync.Locker].
func (l *Lock) Lock() { l.Acquire() }

// TryAcquire acquires l if it is free and reports whether it did.
// It never blocks. It is Python's lock.acquire(blocking=False).
func (l *Lock) TryAcquire() bool {
	if atomic.LoadInt32(&l.state) == 0 && atomic.CompareAndSwapInt32(&l.state, 0, mutexLocked) {
		return true
	}
	return l.tryAcquireSlow() // no read-modify-write if l is held
}

// AcquireTimeout acquires l, waiting at most d, and reports whether it did.
// It is Python's lock.acquire(timeout=d). If d <= 0 it behaves as
// [Lock.TryAcquire] (Python's acquire(blocking=False); unlike Python, a
// negative d does not mean "forever": use [Lock.Acquire]).
//
// The lock is always tried before waiting, so a free lock is acquired
// however small d is, and false means the call found the lock held. The
// timer starts when the call parks, after a brief spin, so the clock is
// read only by calls that actually wait. A true result may come slightly
// after d if the lock was passed to this caller just as the timer fired.
func (l *Lock) AcquireTimeout(d time.Duration) bool {
	if atomic.LoadInt32(&l.state) == 0 && atomic.CompareAndSwapInt32(&l.state, 0, mutexLocked) {
		return true
	}
	return l.acquireTimeoutSlow(d)
}

// AcquireContext acquires l, waiting until ctx is done, and returns nil if it
// acquired the lock or ctx.Err() if it did not; never both. Python has no
// equivalent; it is lock.acquire() with cancellation.
//
// If ctx is already done, AcquireContext still acquires a free lock and
// returns nil, like lock.acquire(blocking=False); it returns ctx.Err() only
// if the lock is held.
func (l *Lock) AcquireContext(ctx context.Context) error {
	if atomic.LoadInt32(&l.state) == 0 && atomic.CompareAndSwapInt32(&l.state, 0, mutexLocked) {
		return nil
	}
	return l.acquireContextSlow(ctx)
}

// Release releases l. It returns [ErrNotLocked], leaving l unchanged, if l
// is not locked. It is Python's lock.release(), which raises RuntimeError
// where Release returns ErrNotLocked. Any goroutine may release l, not only
// the one that acquired it. As in Python, a release lets exactly one
// acquisition proceed: it wakes one waiter, which may however be overtaken
// by a goroutine arriving at that moment (in hand-off mode, see the package
// documentation, the lock goes straight to the longest waiter).
func (l *Lock) Release() error {
	if atomic.LoadInt32(&l.state) != mutexLocked || !atomic.CompareAndSwapInt32(&l.state, mutexLocked, 0) {
		return l.releaseSlow()
	}
	return nil
}

// Unlock is [Lock.Release] for [sync.Locker]. Unlike Release it panics if l
// is not locked, with a panic that can be recovered ([sync.Mutex.Unlock]
// stops the program with a fatal error instead).
func (l *Lock) Unlock() {
	if atomic.LoadInt32(&l.state) != mutexLocked || !atomic.CompareAndSwapInt32(&l.state, mutexLocked, 0) {
		l.unlockSlow()
	}
}

// Locked reports whether l is held. It is Python's lock.locked(). The answer
// may be stale by the time the caller looks at it.
func (l *Lock) Locked() bool {
	return atomic.LoadInt32(&l.state)&mutexLocked != 0
}

/*
Algorithm.

The lock is a word, state, plus a FIFO queue of parked waiters guarded by an
internal mutex mu. It follows sync.Mutex (internal/sync/mutex.go) except that
waiters park on a per-waiter channel, so that they can also wait for a timer
or a context and withdraw from the queue.

state bits:

	bit 0  locked    the lock is held
	bit 1  woken     a releaser has popped a waiter and signalled it; that
	                 waiter has not yet competed again. Releasers do not wake
	                 another waiter while it is set.
	bit 2  starving  hand-off mode: releases pass the lock (locked bit and
	                 all) to the queue head, and newcomers queue up instead
	                 of barging in.
	bits 3+ waiters  number of parked waiters = length of the queue

Invariants (whenever mu is not held):

	I1  waiters == len(queue). The count changes only under mu, together
	    with the queue.
	I2  starving => locked && waiters > 0. Starving is set only by a CAS
	    that also sees locked; a release in starving mode keeps locked set;
	    whoever empties the queue under mu clears starving in the same CAS.
	    (One exception, harmless: a hand-off already under way when
	    starving mode ends; see handOff.)
	I3  woken is owned by exactly one party: the releaser between its CAS
	    and its pop, then the popped waiter, which clears it when it takes
	    the lock, re-queues, or gives up. A releaser that finds the queue
	    empty (all waiters withdrew) clears it itself.

Acquire: if the word is 0, CAS 0 -> locked. Otherwise barge in (CAS while
unlocked and not starving), spinning briefly while it is held if
GOMAXPROCS > 1. Then, under mu: if unlocked, CAS it locked; else CAS
waiters+1 (and starving if this waiter has already waited > 1ms), enqueue
at the back (at the front when re-queueing after a wake-up), unlock mu and
park on the waiter's channel (and timer / ctx.Done()). A woken waiter loops
again (clearing woken in whichever CAS it makes); a handed-off waiter
already holds the lock.

Release: if the word is exactly locked, CAS locked -> 0. Otherwise CAS
loop: unlocked -> ErrNotLocked, no change. Starving -> under mu pop the
head, waiters-1 keeping locked, mark the waiter handed off and signal it.
Else clear locked, and if waiters > 0 and !woken also set woken in the same
CAS, then under mu pop the head, waiters-1, signal it.

The fast paths load before they CAS: under contention the word is rarely
exactly 0 or locked (a parked waiter, or a woken one waiting for a CPU), and a
CAS that fails costs as much as one that succeeds.

No lost wake-up: a waiter enqueues only through a CAS that saw locked set,
and the count increment is in that same CAS, so the release that clears
locked afterwards sees waiters > 0. It wakes the head unless woken is set, in
which case a woken waiter is about to compete, and will either take the lock
(its release then sees the queue) or re-queue by a CAS that again saw locked.
Signals are sent under mu on a buffered channel, so they are never lost.

Withdrawal (timer fired / ctx done): under mu, if the waiter is still queued,
unlink it and CAS waiters-1 (clearing starving if the queue is now empty):
the call fails holding nothing. Otherwise the signal is already in its
channel: drain it. If it was a hand-off the waiter holds the lock and the
call succeeds (late). If it was a plain wake-up the waiter owns woken and
makes one last attempt: if unlocked, CAS locked and clear woken (success);
else CAS clear woken (failure; the holder's release wakes the next waiter).
A failed acquisition therefore never holds the lock, and it saw the lock
held at the moment of its last CAS.

Fairness: newcomers may barge past parked waiters (that is what makes the
lock fast), and a woken waiter that loses re-queues at the front. Spinners
do not claim woken (unlike sync.Mutex, whose spinners keep the queue head
from being woken for as long as they keep catching the lock), so every
release that finds waiters and no woken waiter wakes the head. A head that
has waited more than 1ms (counted from its first park) sets starving the
first time it is woken and loses, and the next release hands it the lock.
Hand-off is FIFO and newcomers queue behind, so once starving is set the
queue is served in order. Starving is cleared when the queue empties, or by
a handed-off waiter that waited under 1ms (the queue moves fast: back to
throughput mode). Bound: as long as the lock keeps being released, a waiter
gets it after the waiters ahead of it, each within about 1ms plus two
releases and the scheduler's wake-up latency; cancellations only shorten
the queue.
*/

const (
	mutexLocked   int32 = 1 << iota // bit 0
	mutexWoken                      // bit 1
	mutexStarving                   // bit 2
	waiterShift   = iota
	waiterOne     = int32(1) << waiterShift

	starvationThreshold = time.Millisecond
	spinTries           = 4   // busy-wait rounds while the lock is held
	spinLoads           = 4   // loads of the word per round
	spinPause           = 100 // pause iterations (~150ns) before each load
)

// Spinning only helps when another CPU can run the holder. GOMAXPROCS can
// change at run time and reading it takes a runtime lock, so the answer is
// cached in canSpin and refreshed by parking waiters at most every
// spinRecheck (see refreshCanSpin).
var (
	canSpin        atomic.Bool
	canSpinChecked atomic.Int64 // UnixNano of the last refresh
)

const spinRecheck = 10 * time.Millisecond

func init() { refreshCanSpin(time.Now()) }

func refreshCanSpin(now time.Time) {
	canSpinChecked.Store(now.UnixNano())
	canSpin.Store(runtime.NumCPU() > 1 && runtime.GOMAXPROCS(0) > 1)
}

type waiter struct {
	ch         chan struct{} // cap 1; one signal per enqueue, sent under mu
	prev, next *waiter
	queued     bool // on the queue (guarded by mu)
	handoff    bool // signalled with the lock handed over (written under mu before the signal)
}

// tryAcquireSlow takes l if it is unlocked. It fails only after seeing the
// lock held; the loop repeats only when a concurrent update changed other bits.
//
//go:noinline
func (l *Lock) tryAcquireSlow() bool {
	for {
		s := l.load()
		if s&mutexLocked != 0 {
			return false
		}
		if l.cas(s, s|mutexLocked) {
			return true
		}
	}
}

func (l *Lock) acquireTimeoutSlow(d time.Duration) bool {
	if d <= 0 {
		return l.tryAcquireSlow()
	}
	return l.acquireSlow(d, nil)
}

func (l *Lock) acquireContextSlow(ctx context.Context) error {
	done := ctx.Done()
	select {
	case <-done:
		if l.tryAcquireSlow() {
			return nil
		}
		return ctx.Err()
	default:
	}
	if l.acquireSlow(-1, done) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.Canceled // a Context whose Done is closed must have an Err
}

// acquireSlow is the contended path of every blocking acquisition. timeout < 0
// means no timeout; done (may be nil) is a context's Done channel. It reports
// whether it acquired the lock; false only when the timeout expired or done
// was closed, after seeing the lock held.
//
//go:noinline
func (l *Lock) acquireSlow(timeout time.Duration, done <-chan struct{}) bool {
	var (
		start  time.Time // first park; the clock is read only when parking
		w      *waiter
		timer  *time.Timer
		timerC <-chan time.Time
		awoke  bool // this goroutine owns the woken bit
	)
	for {
		// Barge in if the lock is free (unless in hand-off mode), spinning
		// briefly while it is held if another CPU may release it: parking
		// costs microseconds.
		for i := 0; i <= spinTries; i++ {
			s := l.load()
			if s&mutexStarving != 0 {
				break
			}
			if s&mutexLocked == 0 {
				n := s | mutexLocked
				if awoke {
					n &^= mutexWoken
				}
				if l.cas(s, n) {
					stopTimer(timer)
					return true
				}
				continue
			}
			if i == spinTries || !canSpin.Load() {
				break
			}
			for j := 0; j < spinLoads && l.load()&mutexLocked != 0; j++ {
				pause(spinPause)
			}
		}

		if w == nil {
			w = &waiter{ch: make(chan struct{}, 1)}
			start = time.Now()
			if d := start.UnixNano() - canSpinChecked.Load(); d > int64(spinRecheck) || d < -int64(spinRecheck) {
				refreshCanSpin(start)
			}
		}
		requeue := awoke
		starving := awoke && time.Since(start) > starvationThreshold

		l.mu.Lock()
		for {
			s := l.load()
			var n int32
			if false && s&mutexLocked == 0 { // MUTANT (spin's BROKEN=1): enqueues without re-checking the locked bit
				n = s | mutexLocked
			} else {
				n = s + waiterOne
				if starving {
					n |= mutexStarving
				}
			}
			if awoke {
				n &^= mutexWoken
			}
			if l.cas(s, n) {
				if s&mutexLocked == 0 {
					l.mu.Unlock()
					stopTimer(timer)
					return true
				}
				break
			}
		}
		awoke = false
		w.handoff = false
		if requeue {
			l.pushFront(w)
		} else {
			l.pushBack(w)
		}
		l.mu.Unlock()

		if timeout >= 0 && timer == nil {
			timer = time.NewTimer(timeout)
			timerC = timer.C
		}
		select {
		case <-w.ch:
		case <-timerC:
			return l.withdraw(w)
		case <-done:
			stopTimer(timer)
			return l.withdraw(w)
		}
		if w.handoff {
			stopTimer(timer)
			if time.Since(start) < starvationThreshold {
				l.clearStarving()
			}
			return true
		}
		awoke = true
	}
}

// pause burns a little CPU without touching memory (Go has no PAUSE
// instruction), so that a spinning goroutine does not keep pulling the lock's
// cache line away from the holder, which needs it to release.
//
//go:noinline
func pause(n int) int {
	x := n
	for i := 0; i < n; i++ {
		x = x*1664525 + 1013904223
	}
	return x
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// clearStarving leaves hand-off mode. It does not take mu, so a releaser
// already inside handOff may still hand the lock over afterwards (see
// handOff).
func (l *Lock) clearStarving() {
	for {
		s := l.load()
		if s&mutexStarving == 0 || l.cas(s, s&^mutexStarving) {
			return
		}
	}
}

// withdraw is called by a parked waiter whose timer fired or whose context
// is done. It reports whether the waiter ended up holding the lock.
func (l *Lock) withdraw(w *waiter) bool {
	l.mu.Lock()
	if w.queued {
		l.remove(w)
		l.addWaiters(-1)
		l.mu.Unlock()
		return false
	}
	l.mu.Unlock()
	<-w.ch // signalled under mu before queued was cleared: already buffered
	if w.handoff {
		return true
	}
	// Plain wake-up: this goroutine owns woken. Last attempt.
	for {
		s := l.load()
		if s&mutexLocked == 0 {
			if l.cas(s, (s|mutexLocked)&^mutexWoken) {
				return true
			}
		} else if l.cas(s, s&^mutexWoken) {
			return false
		}
	}
}

// addWaiters adds delta to the waiter count, clearing starving if the queue
// is empty (I2). Called under mu after changing the queue.
func (l *Lock) addWaiters(delta int32) {
	for {
		s := l.load()
		n := s + delta*waiterOne
		if l.head == nil {
			n &^= mutexStarving
		}
		if l.cas(s, n) {
			return
		}
	}
}

//go:noinline
func (l *Lock) releaseSlow() error {
	for {
		s := l.load()
		if s&mutexLocked == 0 {
			return ErrNotLocked
		}
		if s&mutexStarving != 0 {
			if l.handOff() {
				return nil
			}
			continue
		}
		wake := s>>waiterShift != 0 && s&mutexWoken == 0
		n := s &^ mutexLocked
		if wake {
			n |= mutexWoken
		}
		if l.cas(s, n) {
			if wake {
				l.wakeOne()
			}
			return nil
		}
	}
}

//go:noinline
func (l *Lock) unlockSlow() {
	if l.releaseSlow() != nil {
		panic("lock: Unlock of unlocked lock")
	}
}

// handOff passes the lock to the queue head. It reports false, doing
// nothing, if the lock is no longer in starving mode when it looks, under
// mu. Starving mode can end after that look (clearStarving does not take
// mu); then, and only if the lock was released twice for one acquisition,
// the head is handed a lock that the second release has already freed. The
// spin model (formal/, "stale hand-off") finds this interleaving and checks
// that the history stays linearizable: the head's acquisition and that
// release take effect at the same step. With only holders releasing it
// cannot happen.
func (l *Lock) handOff() bool {
	l.mu.Lock()
	if l.load()&mutexStarving == 0 {
		l.mu.Unlock()
		return false
	}
	w := l.head // non-nil by I2
	l.remove(w)
	l.addWaiters(-1)
	w.handoff = true
	w.ch <- struct{}{}
	l.mu.Unlock()
	return true
}

// wakeOne signals the queue head after the releaser set woken.
func (l *Lock) wakeOne() {
	l.mu.Lock()
	w := l.head
	if w == nil {
		// Every waiter withdrew since our CAS; give woken back.
		for {
			s := l.load()
			if l.cas(s, s&^mutexWoken) {
				break
			}
		}
		l.mu.Unlock()
		return
	}
	l.remove(w)
	l.addWaiters(-1)
	w.ch <- struct{}{}
	l.mu.Unlock()
}

// Queue operations; all under mu.

func (l *Lock) pushBack(w *waiter) {
	w.queued = true
	w.next = nil
	w.prev = l.tail
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *Lock) pushFront(w *waiter) {
	w.queued = true
	w.prev = nil
	w.next = l.head
	if l.head != nil {
		l.head.prev = w
	} else {
		l.tail = w
	}
	l.head = w
}

func (l *Lock) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next = nil, nil
	w.queued = false
}
