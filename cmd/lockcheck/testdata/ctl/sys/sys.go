// Package sys is a test fixture of lockcheck test: a lock that makes a
// system call, which the controlled scheduler cannot see.
package sys

import (
	"sync"
	"syscall"
)

// Lock is a mutex that also asks for the process id.
type Lock struct {
	mu  sync.Mutex
	pid int
}

// Lock takes the lock.
func (l *Lock) Lock() {
	l.mu.Lock()
	l.pid = syscall.Getpid()
}

// Unlock releases the lock.
func (l *Lock) Unlock() { l.mu.Unlock() }
