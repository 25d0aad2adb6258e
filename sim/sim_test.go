package sim_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sim"
)

// chanLock is a correct lock: a channel with room for one token.
type chanLock chan struct{}

func newChanLock() sim.Lock { return make(chanLock, 1) }

func (l chanLock) Acquire() { l <- struct{}{} }
func (l chanLock) TryAcquire() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}
func (l chanLock) AcquireTimeout(d time.Duration) bool {
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
func (l chanLock) AcquireContext(ctx context.Context) error {
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
func (l chanLock) Release() error {
	select {
	case <-l:
		return nil
	default:
		return errNotLocked
	}
}
func (l chanLock) Locked() bool { return len(l) == 1 }

type simpleErr string

func (e simpleErr) Error() string { return string(e) }

const errNotLocked = simpleErr("not locked")

// racyLock checks and then sets with two separate atomic operations.
type racyLock struct{ held atomic.Bool }

func (l *racyLock) Acquire() {
	for !l.TryAcquire() {
		time.Sleep(time.Microsecond)
	}
}
func (l *racyLock) TryAcquire() bool {
	if l.held.Load() {
		return false
	}
	l.held.Store(true)
	return true
}
func (l *racyLock) Release() error {
	if !l.held.Swap(false) {
		return errNotLocked
	}
	return nil
}

// lostWakeLock forgets to wake a waiter that registered after the
// releaser looked.
type lostWakeLock struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{}
}

func (l *lostWakeLock) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}
func (l *lostWakeLock) Acquire() {
	for !l.TryAcquire() {
		ch := make(chan struct{})
		l.mu.Lock()
		l.waiters = append(l.waiters, ch)
		l.mu.Unlock()
		<-ch // bug: parks without re-checking; a release in between found no waiter
	}
}
func (l *lostWakeLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errNotLocked
	}
	l.held = false
	if len(l.waiters) > 0 {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
	}
	return nil
}

func TestScratch(t *testing.T) {
	for _, tc := range []struct {
		name string
		mk   func() sim.Lock
	}{
		{"chan", newChanLock},
		{"racy", func() sim.Lock { return &racyLock{} }},
		{"lostwake", func() sim.Lock { return &lostWakeLock{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := sim.RunLock(tc.mk)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d histories %d ops %d scenarios %v", rep.Histories, rep.Operations, rep.Scenarios, rep.Elapsed)
			if rep.Failure != nil {
				t.Log(rep.Failure.Error())
			}
		})
	}
}

func TestScratchCheck(t *testing.T) {
	sim.Check(t, func() sim.Lock { return &racyLock{} })
}
