// Package spin is a test fixture of lockcheck test: a tiny spin lock.
package spin

import (
	"runtime"
	"sync/atomic"
)

// Lock is a test-and-set spin lock.
type Lock struct{ held atomic.Int32 }

// Lock spins until it takes the lock.
func (l *Lock) Lock() {
	for !l.held.CompareAndSwap(0, 1) {
		runtime.Gosched()
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() { l.held.Store(0) }
