// Package atomic is a drop-in replacement for sync/atomic, for code run
// under the controlled scheduler of package sched: it has every function
// and type of sync/atomic, with the same signatures, and in a run each
// operation is a scheduling point (recorded in the trace with the value
// read or written). Outside a run, or on a goroutine the scheduler does not
// manage, each function is the sync/atomic one.
//
// Loads and failed compare-and-swaps are read-only steps: a goroutine that
// repeats one seeing the same value is spinning, and the scheduler lets the
// others run (see sched.Run).
package atomic
