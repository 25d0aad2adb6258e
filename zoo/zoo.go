package zoo

import (
	"errors"

	"github.com/lockcheck/lockcheck/lock"
	"github.com/lockcheck/lockcheck/sim"
)

// ErrNotLocked is returned by the Release methods of the zoo's locks when
// the lock is not locked.
var ErrNotLocked = errors.New("zoo: release of unlocked lock")

// Entry is a lock of the zoo.
type Entry struct {
	Name    string          // short, kebab-case, e.g. "mutex", "check-then-set"
	New     func() sim.Lock // a fresh, unlocked lock
	Correct bool            // a correct lock: the harness must pass it
	Expect  sim.FailureKind // for a broken lock: the kind of failure the harness must report (sim.Violation, sim.Stuck, sim.Contract or sim.Early)
	Options []sim.Option    // options the lock needs, e.g. sim.WithoutUnlockedRelease() for sync.Mutex
	Bug     string          // one line: the bug (empty for correct locks)
}

// All returns the zoo: the product lock ("lock") first, then the correct
// reference locks, then the broken ones. Each call returns a new slice.
func All() []Entry {
	all := []Entry{
		{Name: "lock", New: func() sim.Lock { return new(lock.Lock) }, Correct: true},
	}
	all = append(all, reference()...)
	return append(all, broken()...)
}

// Lookup returns the entry named name.
func Lookup(name string) (Entry, bool) {
	for _, e := range All() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

func reference() []Entry {
	return []Entry{
		{Name: "mutex", New: func() sim.Lock { return new(Mutex) }, Correct: true,
			Options: []sim.Option{sim.WithoutUnlockedRelease()}},
		{Name: "channel", New: func() sim.Lock { return NewChannel() }, Correct: true},
		{Name: "semaphore", New: func() sim.Lock { return NewSemaphore() }, Correct: true},
		{Name: "cond", New: func() sim.Lock { return NewCond() }, Correct: true},
		{Name: "slow", New: func() sim.Lock { return NewSlow() }, Correct: true},
		{Name: "owned-mutex", New: func() sim.Lock { return NewOwnedMutex() }, Correct: true,
			Options: []sim.Option{sim.WithOwnership()}},
		{Name: "reentrant-mutex", New: func() sim.Lock { return NewReentrantMutex() }, Correct: true,
			Options: []sim.Option{sim.WithReentrancy()}},
	}
}

func broken() []Entry {
	return []Entry{
		{Name: "check-then-set", New: func() sim.Lock { return new(CheckThenSet) }, Expect: sim.Violation,
			Bug: "tests the flag and sets it in two atomic steps: two acquirers both see it clear"},
		{Name: "if-not-for", New: func() sim.Lock { return NewIfNotFor() }, Expect: sim.Violation,
			Bug: "waits on a sync.Cond with if instead of for: a woken waiter takes the lock a barger already took"},
		{Name: "lost-wakeup", New: func() sim.Lock { return new(LostWakeup) }, Expect: sim.Stuck,
			Bug: "a waiter registers for a wake-up without re-checking the lock: a release in between wakes nobody"},
		{Name: "counting-semaphore", New: func() sim.Lock { return NewCountingSemaphore() }, Expect: sim.Violation,
			Bug: "a counting semaphore posing as a lock: release of an unlocked lock succeeds and adds a permit"},
		{Name: "broadcast-no-recheck", New: func() sim.Lock { return NewBroadcast() }, Expect: sim.Violation,
			Bug: "release wakes every waiter by closing a shared channel, and each woken waiter assumes it owns the lock"},
		{Name: "try-swap", New: func() sim.Lock { return NewTrySwap() }, Expect: sim.Stuck,
			Bug: "TryAcquire swaps instead of compare-and-swapping the state word, erasing the mark that waiters sleep"},
		{Name: "timeout-no-try-first", New: func() sim.Lock { return NewTimeoutNoTry() }, Expect: sim.Violation,
			Bug: "AcquireTimeout selects on the lock and an expired timer at once: a free lock is reported busy"},
		{Name: "timeout-keeps-grant", New: func() sim.Lock { return NewTimeoutKeepsGrant() }, Expect: sim.Violation,
			Bug: "a timed-out waiter that was handed the lock as its timer fired returns false and keeps it"},
		{Name: "timeout-ghost-waiter", New: func() sim.Lock { return NewGhostWaiter() }, Expect: sim.Stuck,
			Bug: "a timed-out waiter stays queued, so a release spends its one wake-up on a waiter that has left"},
		{Name: "timeout-no-wait", New: func() sim.Lock { return NewTimeoutNoWait() }, Expect: sim.Early,
			Bug: "AcquireTimeout tries the lock once and gives up at once, never waiting for its timeout"},
		{Name: "timeout-uncounted-waiter", New: func() sim.Lock { return NewUncountedWaiter() }, Expect: sim.Stuck,
			Bug: "a timed waiter does not count itself, so a release wakes nobody and it sits out its timeout on a free lock"},
		{Name: "context-keeps-lock", New: func() sim.Lock { return NewContextKeepsLock() }, Expect: sim.Violation,
			Bug: "AcquireContext returns ctx.Err() after acquiring when the context is done, keeping the lock"},
		{Name: "context-err-unwrapped", New: func() sim.Lock { return NewContextErrUnwrapped() }, Expect: sim.Contract,
			Bug: "AcquireContext wraps ctx.Err() with %v instead of %w, so errors.Is(err, ctx.Err()) fails"},
		{Name: "locked-contended", New: func() sim.Lock { return NewContended() }, Expect: sim.Violation,
			Bug: "Locked compares the state word with locked and misses locked-with-waiters"},
		{Name: "semaphore-recover", New: func() sim.Lock { return NewRecoveringSemaphore() }, Expect: sim.Violation,
			Bug: "Release recovers x/sync/semaphore's over-release panic, but the semaphore's count is already corrupted"},
		{Name: "owned-any-release", New: func() sim.Lock { return NewAnyRelease() }, Expect: sim.Violation,
			Options: []sim.Option{sim.WithOwnership()},
			Bug:     "an owned lock whose Release skips the owner check: a client that holds nothing frees another's lock"},
		{Name: "reentrant-no-count", New: func() sim.Lock { return NewReentrantNoCount() }, Expect: sim.Violation,
			Options: []sim.Option{sim.WithReentrancy()},
			Bug:     "a reentrant lock that keeps no count: the holder's first release frees the lock however often it acquired"},
		{Name: "reentrant-acquire-deadlocks", New: func() sim.Lock { return NewReentrantAcquireDeadlocks() }, Expect: sim.Stuck,
			Options: []sim.Option{sim.WithReentrancy()},
			Bug:     "a reentrant lock whose blocking Acquire forgets the owner check: the holder waits on itself forever"},
	}
}
