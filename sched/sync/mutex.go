package sync

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Locker is sync.Locker.
type Locker = sync.Locker

// Map is sync.Map (its operations are not scheduling points).
type Map = sync.Map

// Pool is sync.Pool (its operations are not scheduling points).
type Pool = sync.Pool

// Mutex is sync.Mutex whose operations are scheduling points in a run, with
// blocking modelled: Lock waits (in the scheduler, not in the runtime)
// until the mutex is unlocked. Its state is a real sync.Mutex, so managed
// and unmanaged goroutines may share it. The zero value is unlocked; it
// must not be copied after first use.
type Mutex struct {
	_ noCopy
	m sync.Mutex
}

// probeMutex reports whether m can be locked now, without locking it.
func probeMutex(m *sync.Mutex) bool {
	if m.TryLock() {
		m.Unlock()
		return true
	}
	return false
}

// Lock locks m; in a run it is a scheduling point that blocks until m is
// unlocked.
func (m *Mutex) Lock() {
	g := core.Me()
	if g == nil {
		m.m.Lock()
		return
	}
	for {
		if !g.Block("sync.Mutex.Lock", func() bool { return probeMutex(&m.m) }) {
			m.m.Lock()
			return
		}
		if m.m.TryLock() {
			return
		}
	}
}

// TryLock tries to lock m and reports whether it succeeded; in a run a
// failure is a read-only step (see sched.Run).
func (m *Mutex) TryLock() bool {
	g := core.Me()
	if g == nil {
		return m.m.TryLock()
	}
	g.Yield("sync.Mutex.TryLock")
	ok := m.m.TryLock()
	if !ok {
		g.Observe("sync.Mutex.TryLock", uintptr(unsafe.Pointer(m)), 0)
	}
	if g.Tracing() {
		g.SetValue(boolString(ok))
	}
	return ok
}

// Unlock unlocks m (a run-time error if m is not locked, as sync.Mutex).
func (m *Mutex) Unlock() {
	if g := core.Me(); g != nil {
		g.Yield("sync.Mutex.Unlock")
	}
	m.m.Unlock()
}

// RWMutex is sync.RWMutex whose operations are scheduling points in a run,
// with blocking modelled as sync.RWMutex blocks: Lock waits until no reader
// or writer holds it; RLock waits while a writer holds it or a managed
// writer waits for it (writer preference, so recursive read locking can
// deadlock as it does with sync.RWMutex). The zero value is unlocked.
type RWMutex struct {
	_       noCopy
	rw      sync.RWMutex
	writers atomic.Int32 // managed goroutines waiting in Lock
}

// Lock locks rw for writing.
func (rw *RWMutex) Lock() {
	g := core.Me()
	if g == nil {
		rw.rw.Lock()
		return
	}
	rw.writers.Add(1)
	defer rw.writers.Add(-1)
	for {
		if !g.Block("sync.RWMutex.Lock", func() bool {
			if rw.rw.TryLock() {
				rw.rw.Unlock()
				return true
			}
			return false
		}) {
			rw.rw.Lock()
			return
		}
		if rw.rw.TryLock() {
			return
		}
	}
}

// RLock locks rw for reading.
func (rw *RWMutex) RLock() {
	g := core.Me()
	if g == nil {
		rw.rw.RLock()
		return
	}
	for {
		if !g.Block("sync.RWMutex.RLock", func() bool {
			if rw.writers.Load() > 0 {
				return false
			}
			if rw.rw.TryRLock() {
				rw.rw.RUnlock()
				return true
			}
			return false
		}) {
			rw.rw.RLock()
			return
		}
		if rw.rw.TryRLock() {
			return
		}
	}
}

// TryLock tries to lock rw for writing and reports whether it succeeded.
func (rw *RWMutex) TryLock() bool {
	g := core.Me()
	if g == nil {
		return rw.rw.TryLock()
	}
	g.Yield("sync.RWMutex.TryLock")
	ok := rw.rw.TryLock()
	if !ok {
		g.Observe("sync.RWMutex.TryLock", uintptr(unsafe.Pointer(rw)), 0)
	}
	return ok
}

// TryRLock tries to lock rw for reading and reports whether it succeeded.
func (rw *RWMutex) TryRLock() bool {
	g := core.Me()
	if g == nil {
		return rw.rw.TryRLock()
	}
	g.Yield("sync.RWMutex.TryRLock")
	ok := rw.writers.Load() == 0 && rw.rw.TryRLock()
	if !ok {
		g.Observe("sync.RWMutex.TryRLock", uintptr(unsafe.Pointer(rw)), 0)
	}
	return ok
}

// Unlock unlocks rw for writing.
func (rw *RWMutex) Unlock() {
	if g := core.Me(); g != nil {
		g.Yield("sync.RWMutex.Unlock")
	}
	rw.rw.Unlock()
}

// RUnlock undoes a single RLock call.
func (rw *RWMutex) RUnlock() {
	if g := core.Me(); g != nil {
		g.Yield("sync.RWMutex.RUnlock")
	}
	rw.rw.RUnlock()
}

// RLocker returns a Locker whose Lock and Unlock call rw.RLock and rw.RUnlock.
func (rw *RWMutex) RLocker() Locker { return (*rlocker)(rw) }

type rlocker RWMutex

// Lock implements Locker (see the type).
func (r *rlocker) Lock() { (*RWMutex)(r).RLock() }

// Unlock implements Locker (see the type).
func (r *rlocker) Unlock() { (*RWMutex)(r).RUnlock() }

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// noCopy makes go vet's copylocks check flag copies.
type noCopy struct{}

// Lock implements Locker (see the type).
func (*noCopy) Lock() {}

// Unlock implements Locker (see the type).
func (*noCopy) Unlock() {}
