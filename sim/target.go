package sim

import (
	"context"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

// Lock is the lock under test: the operations every lock offers. Release
// reports, with a non-nil error, that the lock was not locked (for an owned
// lock, see WithOwnership: not held by the caller); the harness calls it on
// an unlocked lock unless WithoutUnlockedRelease is given.
//
// A Lock may also offer these methods, which the harness then exercises:
//
//	AcquireTimeout(time.Duration) bool  // acquire, waiting at most the duration
//	AcquireContext(context.Context) error // acquire until the context is done
//	Locked() bool                       // whether the lock is held
type Lock interface {
	Acquire()
	TryAcquire() bool
	Release() error
}

type timeoutLock interface {
	AcquireTimeout(time.Duration) bool
}

type contextLock interface {
	AcquireContext(context.Context) error
}

type lockedLock interface {
	Locked() bool
}

// Target is a lock as the clients of one run see it. In-process locks are
// shared by every client (see Check); a lock in another process gives each
// client its own handle, which forwards the client's calls in order.
//
// The harness asks for Client(i) once for each client i of a run, and once
// more for the harness's own client, numbered after the others. It calls
// Close once at the end of the run; after Close, calls still in progress
// must return promptly (their results are ignored).
//
// With WithOwnership each handle is an owner: a lock in another process
// must serve each client on a thread of its own.
//
// If a Target also has a method Err() error, a non-nil result after a run
// means the target itself failed (a driver crashed, broke the protocol):
// the run's verdict is then ErrTarget, not a verdict on the lock.
type Target interface {
	Client(id int) Lock
	Close() error
}

// shared is the Target of an in-process lock: every client calls the same
// lock.
type shared struct{ Lock }

func (s shared) Client(int) Lock { return s.Lock }
func (s shared) Close() error    { return nil }

// offered lists the operation kinds l offers, in the order of model.Kinds.
func offered(l Lock) []model.Kind {
	var kinds []model.Kind
	for _, k := range model.Kinds {
		ok := true
		switch k {
		case model.AcquireTimeout:
			_, ok = l.(timeoutLock)
		case model.AcquireContext:
			_, ok = l.(contextLock)
		case model.Locked:
			_, ok = l.(lockedLock)
		}
		if ok {
			kinds = append(kinds, k)
		}
	}
	return kinds
}
