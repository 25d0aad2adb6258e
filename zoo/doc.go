// Package zoo is a collection of locks for testing the tester: the product
// lock, reference locks that are correct, and broken locks that each carry
// exactly one classic concurrency bug.
//
// Every lock implements [sim.Lock] plus whichever optional methods
// (AcquireTimeout, AcquireContext, Locked) come naturally to it. [All]
// lists them as [Entry] values; each says whether the harness must pass the
// lock or, for a broken one, which kind of failure it must report. The
// tests of this package hold the harness to that: a harness that passes a
// broken lock, reports it for the wrong reason, or fails a correct lock has
// a bug.
//
// The broken locks are written the way the bug is written in real code: no
// sleeps widen their race windows, and every shared field is accessed
// atomically or under a mutex, so that the bug is a logical one that the
// linearizability checker or the liveness watchdog must find, not a data
// race that the race detector would report first.
package zoo
