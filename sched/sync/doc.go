// Package sync is a drop-in replacement for package sync, for code run
// under the controlled scheduler of package sched. Mutex, RWMutex, Cond,
// WaitGroup and Once are its own types with the same methods: in a run
// their operations are scheduling points and their blocking is modelled by
// the scheduler (a goroutine waiting for a Mutex is not scheduled until the
// Mutex is unlocked). Map, Pool and Locker are aliases of the originals.
// Outside a run the types behave as the originals.
package sync
