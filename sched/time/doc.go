// Package time is a drop-in replacement for package time, for code run
// under the controlled scheduler of package sched: every exported name of
// package time, with aliases for the types whose behaviour is unchanged
// (Time, Duration, Location...). In a run, Now, Since and Until read the
// run's virtual clock (2000-01-01 00:00:00 UTC at the start of every run),
// and Sleep, After, Tick, NewTimer, NewTicker and AfterFunc wait on it: it
// advances to the earliest timer when no goroutine can run, or when the
// run's Strategy chooses to fire that timer first (see sched.Schedule), so
// timeouts fire deterministically and at once. Outside a run everything is
// the real package.
package time
