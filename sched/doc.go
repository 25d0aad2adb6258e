// Package sched runs goroutines one at a time under a controlled scheduler,
// so that a concurrency bug is found systematically and replayed exactly.
//
// Code under test calls this package instead of the language's
// synchronisation: `lockcheck test` rewrites go statements, channel
// operations and selects into Go, Send, Recv, Recv2, Close, Range and
// Select, and the imports of sync/atomic, sync, time and context into the
// replacement packages sched/atomic, sched/sync, sched/time and
// sched/context, which have the same API. Outside a run (and on goroutines
// the scheduler does not manage) every one of these performs the real
// operation.
//
// Run starts managed goroutines. Exactly one runs at a time: they hand a
// token to each other. Every operation of this package and of the
// replacement packages is a scheduling point, where the running goroutine
// asks the Strategy which goroutine performs the next operation, among the
// goroutines whose pending operation is enabled. Blocking is modelled,
// never done in the runtime: a goroutine waiting for a mutex, a channel, a
// condition variable, a wait group or a timer has a readiness probe,
// evaluated afresh at each decision, and is simply not a candidate until it
// can proceed. Unbuffered sends and receives between managed goroutines
// are paired by the scheduler, which hands the value over; a channel shared
// with code it does not see is probed with non-blocking operations (a
// closed channel is detected without side effect). When several cases of a
// select can proceed, the Strategy chooses.
//
// Time is virtual in a run: sched/time.Now starts at the same instant every
// run, and time advances straight to the earliest timer when no goroutine
// can run and Options.Idle started none, or when the Strategy makes the
// timer choice at a scheduling point (so that a timeout racing other
// goroutines' steps is explored; the default rule never makes it);
// timeouts fire deterministically and at once.
//
// A run ends when every goroutine is done, or exactly when nothing can run
// (Deadlock, with who waits where), at Options.MaxSteps, or when a
// goroutine does not come back to a scheduling point within Options.Escape
// of wall time (it blocked or spun in something the scheduler cannot see).
//
// The run records its choices as a Schedule: the few choices that differ
// from a default rule. Replay(res.Schedule) makes them again, so a failure
// reproduces exactly; Minimize removes the choices a failure does not need.
package sched
