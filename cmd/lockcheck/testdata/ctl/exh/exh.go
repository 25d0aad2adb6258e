// Package exh is a test fixture of lockcheck test with
// LOCKCHECK_EXHAUSTIVE: a correct spin lock and a broken one.
package exh

import (
	"errors"
	"runtime"
	"sync/atomic"
)

var errUnlocked = errors.New("exh: release of unlocked lock")

// Spin is a correct test-and-set spin lock.
type Spin struct{ held atomic.Bool }

// Acquire spins until TryAcquire succeeds.
func (l *Spin) Acquire() {
	for !l.TryAcquire() {
		runtime.Gosched()
	}
}

// TryAcquire takes the lock if it is free.
func (l *Spin) TryAcquire() bool { return l.held.CompareAndSwap(false, true) }

// Release frees the lock, or returns an error if it was free.
func (l *Spin) Release() error {
	if !l.held.Swap(false) {
		return errUnlocked
	}
	return nil
}

// CheckThenSet is Spin with a non-atomic check-then-set.
type CheckThenSet struct{ Spin }

// Acquire spins until TryAcquire succeeds.
func (l *CheckThenSet) Acquire() {
	for !l.TryAcquire() {
		runtime.Gosched()
	}
}

// TryAcquire checks, then sets: two acquirers can both see the lock free.
func (l *CheckThenSet) TryAcquire() bool {
	if l.held.Load() {
		return false
	}
	l.held.Store(true)
	return true
}
