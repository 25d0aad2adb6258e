// Package cgolock is a test fixture of lockcheck test: a lock that calls C.
package cgolock

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import "sync"

// Lock is a mutex that calls C while it takes the lock.
type Lock struct {
	mu sync.Mutex
	n  int
}

// Lock takes the lock.
func (l *Lock) Lock() {
	l.mu.Lock()
	l.n = int(C.twice(C.int(l.n)))
}

// Unlock releases the lock.
func (l *Lock) Unlock() { l.mu.Unlock() }
