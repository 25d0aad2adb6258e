// Package context is a drop-in replacement for package context, for code
// run under the controlled scheduler of package sched: every exported name
// of package context. In a run, a cancelable context's cancellation is a
// scheduling point and closes Done through the scheduler, deadlines and
// timeouts are on virtual time (sched/time), and AfterFunc's function runs
// as a managed goroutine. Parents may be contexts of the standard library.
// Outside a run everything is the real package.
package context
