package zoo

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lockcheck/lockcheck/lock"
)

// This file holds the owned locks, correct and broken, checked with
// sim.WithOwnership or sim.WithReentrancy. Go has no owned lock and no
// public goroutine id: these locks take the caller's goroutine as the owner,
// read from the header of runtime.Stack ("goroutine 123 [running]:"). That
// costs a microsecond a call, which is fine for test locks, and it is how
// the harness meets them: each client runs on a goroutine of its own.

// ErrNotOwner is returned by the Release methods of the zoo's owned locks
// when the calling goroutine does not hold the lock (including when nobody
// does).
var ErrNotOwner = errors.New("zoo: release by a goroutine that does not hold the lock")

// goid returns the calling goroutine's id (never 0).
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		if id, err := strconv.ParseInt(string(b[:i]), 10, 64); err == nil {
			return id
		}
	}
	panic("zoo: cannot read the goroutine id")
}

// OwnedMutex is a correct owned, non-reentrant lock: a lock.Lock and the
// goroutine that holds it. Only the holder may release it; a release by any
// other goroutine returns ErrNotOwner and changes nothing. The holder's own
// Acquire waits forever, like a pthread mutex's; its TryAcquire fails.
type OwnedMutex struct {
	l     lock.Lock
	owner atomic.Int64 // the holder's goroutine id, or 0
}

// NewOwnedMutex returns an unlocked OwnedMutex.
func NewOwnedMutex() *OwnedMutex { return new(OwnedMutex) }

// Acquire waits for the lock and takes it for the calling goroutine.
func (m *OwnedMutex) Acquire() { m.l.Acquire(); m.owner.Store(goid()) }

// TryAcquire takes the lock for the calling goroutine if it is free.
func (m *OwnedMutex) TryAcquire() bool { return m.took(m.l.TryAcquire()) }

// AcquireTimeout waits at most d for the lock.
func (m *OwnedMutex) AcquireTimeout(d time.Duration) bool { return m.took(m.l.AcquireTimeout(d)) }

// AcquireContext waits for the lock until ctx is done; it returns
// ctx.Err() if it did not acquire.
func (m *OwnedMutex) AcquireContext(ctx context.Context) error {
	err := m.l.AcquireContext(ctx)
	m.took(err == nil)
	return err
}

func (m *OwnedMutex) took(ok bool) bool {
	if ok {
		m.owner.Store(goid())
	}
	return ok
}

// Release frees the lock if the calling goroutine holds it, and returns
// ErrNotOwner otherwise.
func (m *OwnedMutex) Release() error {
	if m.owner.Load() != goid() {
		return ErrNotOwner
	}
	m.owner.Store(0)
	return m.l.Release()
}

// Locked reports whether some goroutine holds the lock.
func (m *OwnedMutex) Locked() bool { return m.l.Locked() }

// ReentrantMutex is a correct owned, reentrant lock, like Java's
// ReentrantLock or Python's RLock: a lock.Lock, its holder and a count. The
// holder's further acquisitions succeed at once and count; the lock is free
// after as many releases. Only the holder may release it.
type ReentrantMutex struct {
	l     lock.Lock
	owner atomic.Int64 // the holder's goroutine id, or 0
	count int          // acquisitions by the holder; only the holder touches it
}

// NewReentrantMutex returns an unlocked ReentrantMutex.
func NewReentrantMutex() *ReentrantMutex { return new(ReentrantMutex) }

// mine reports whether the caller holds the lock, and if so counts one
// more acquisition.
func (m *ReentrantMutex) mine(me int64) bool {
	if m.owner.Load() == me {
		m.count++
		return true
	}
	return false
}

func (m *ReentrantMutex) took(me int64, ok bool) bool {
	if ok {
		m.owner.Store(me)
		m.count = 1
	}
	return ok
}

// Acquire takes the lock, at once if the caller holds it.
func (m *ReentrantMutex) Acquire() {
	me := goid()
	if !m.mine(me) {
		m.l.Acquire()
		m.took(me, true)
	}
}

// TryAcquire takes the lock if it is free or the caller holds it.
func (m *ReentrantMutex) TryAcquire() bool {
	me := goid()
	return m.mine(me) || m.took(me, m.l.TryAcquire())
}

// AcquireTimeout takes the lock, waiting at most d unless the caller holds
// it.
func (m *ReentrantMutex) AcquireTimeout(d time.Duration) bool {
	me := goid()
	return m.mine(me) || m.took(me, m.l.AcquireTimeout(d))
}

// AcquireContext takes the lock, at once if the caller holds it, else
// waiting until ctx is done; it returns ctx.Err() if it did not acquire.
func (m *ReentrantMutex) AcquireContext(ctx context.Context) error {
	me := goid()
	if m.mine(me) {
		return nil
	}
	err := m.l.AcquireContext(ctx)
	m.took(me, err == nil)
	return err
}

// Release undoes one acquisition by the caller, freeing the lock after the
// last; it returns ErrNotOwner if the caller does not hold the lock.
func (m *ReentrantMutex) Release() error {
	if m.owner.Load() != goid() {
		return ErrNotOwner
	}
	if m.count--; m.count > 0 {
		return nil
	}
	m.owner.Store(0)
	return m.l.Release()
}

// Locked reports whether some goroutine holds the lock.
func (m *ReentrantMutex) Locked() bool { return m.l.Locked() }

// AnyRelease is an owned lock whose Release forgets the owner check: any
// goroutine's release of a held lock succeeds, as with an unowned lock.
//
// Interleaving: A acquires; B, which holds nothing, calls Release: it
// succeeds and frees A's lock, where an owned lock must refuse it and change
// nothing; C then acquires while A thinks it holds the lock.
type AnyRelease struct{ OwnedMutex }

// NewAnyRelease returns an unlocked AnyRelease.
func NewAnyRelease() *AnyRelease { return new(AnyRelease) }

// Release is the bug: it frees a held lock whoever calls it.
func (m *AnyRelease) Release() error {
	if !m.l.Locked() {
		return ErrNotOwner
	}
	m.owner.Store(0)
	return m.l.Release()
}

// ReentrantNoCount is a reentrant lock that counts nothing: it lets its
// holder acquire again, but its first release frees the lock.
//
// Interleaving: A acquires twice and releases once; the lock is free, and B
// acquires it while A still holds it once.
type ReentrantNoCount struct{ ReentrantMutex }

// NewReentrantNoCount returns an unlocked ReentrantNoCount.
func NewReentrantNoCount() *ReentrantNoCount { return new(ReentrantNoCount) }

// Release is the bug: it frees the lock whatever the count.
func (m *ReentrantNoCount) Release() error {
	if m.owner.Load() != goid() {
		return ErrNotOwner
	}
	m.count = 0
	m.owner.Store(0)
	return m.l.Release()
}

// ReentrantAcquireDeadlocks is a reentrant lock whose blocking Acquire
// forgets to check the owner: the holder's acquire waits for the holder to
// release, which it never will. Its other acquisitions are reentrant.
//
// Interleaving: A acquires, then calls Acquire again: it waits on its own
// lock forever.
type ReentrantAcquireDeadlocks struct{ ReentrantMutex }

// NewReentrantAcquireDeadlocks returns an unlocked
// ReentrantAcquireDeadlocks.
func NewReentrantAcquireDeadlocks() *ReentrantAcquireDeadlocks {
	return new(ReentrantAcquireDeadlocks)
}

// Acquire is the bug: no "if the caller holds it, count and return".
func (m *ReentrantAcquireDeadlocks) Acquire() {
	m.l.Acquire()
	m.took(goid(), true)
}
