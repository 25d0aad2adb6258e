// Package lockcheck is a primitive lock whose correctness is checked, not
// claimed, and the harness that checks it and any other lock.
//
// The module's packages:
//
//   - lock: the lock, with the semantics of Python's threading.Lock, as fast
//     as sync.Mutex, with timed and cancellable acquisition.
//   - model: the lock's sequential specification as a porcupine model.
//   - history: concurrent histories, their file format, checking and
//     timelines.
//   - sim: the harness; rapid generates scenarios, goroutines run them,
//     porcupine judges the histories, a watchdog catches stuck waiters.
//   - zoo: reference locks and broken locks that the harness must catch.
//   - driver: locks in other languages, through a line protocol on a pipe.
//   - cmd/lockcheck: the command line.
package lockcheck
