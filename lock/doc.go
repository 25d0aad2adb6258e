// Package lock provides [Lock], a mutual-exclusion lock with the semantics of
// Python's threading.Lock, plus non-blocking, timed and cancellable
// acquisition.
//
// A Lock has two states, locked and unlocked, and is created unlocked (the
// zero value is ready to use). It is not owned: any goroutine may release a
// lock that another goroutine acquired. The methods map onto Python's API as
// follows:
//
//	Python                          Go
//	lock.acquire()                  l.Acquire()  (also l.Lock(), for sync.Locker)
//	lock.acquire(blocking=False)    l.TryAcquire()
//	lock.acquire(timeout=d)         l.AcquireTimeout(d)
//	(no equivalent)                 l.AcquireContext(ctx)
//	lock.release()                  l.Release()  (ErrNotLocked instead of RuntimeError)
//	lock.locked()                   l.Locked()
//
// Guarantees:
//
//   - Mutual exclusion: at most one acquisition is outstanding at a time.
//   - When several goroutines wait, one release lets exactly one of them
//     proceed.
//   - A timed or cancelled acquisition that reports failure (false, or a
//     non-nil error) does not hold the lock afterwards; one that reports
//     success does. A failed timed acquisition always found the lock held at
//     some moment during the call: the lock is tried first, so acquisition
//     of a free lock never fails.
//   - No waiter starves: a waiter that has been passed over for more than
//     about a millisecond switches the lock to hand-off mode, in which
//     releases pass the lock directly to waiters in FIFO order.
//
// A Lock is as fast as [sync.Mutex] on uncontended paths (one atomic
// compare-and-swap to acquire, one to release, no allocation) and close to it
// under contention. Blocked waiters allocate a small record while parked.
//
// A Lock works inside [testing/synctest] bubbles: waiting goroutines are
// durably blocked and timeouts follow the bubble's fake clock. Do not share
// a single Lock between goroutines inside and outside a bubble while they
// wait on it.
package lock
