// Package driver runs a lock implemented in another process (a "driver") as
// a target of the lockcheck harness, speaking the line-based driver protocol
// on the process's stdin and stdout.
//
// # Protocol (version 1)
//
// The driver first writes a hello line listing the operations it supports:
//
//	lockcheck-driver 1 acquire try_acquire acquire_timeout release locked
//
// acquire, try_acquire and release are required; acquire_timeout and locked
// are optional, and so is the word reset (see Reset below). The harness then
// writes requests "CLIENT OP" or
// "CLIENT acquire_timeout SECONDS"; CLIENT is a small integer, and a client
// is sent nothing new until its previous request was answered. The driver
// runs each client's requests in order on a thread of that client and
// answers "CLIENT RESULT": ok for acquire; true or false for try_acquire,
// acquire_timeout and locked; ok, or error if the lock was not locked, for
// release. stderr is free for diagnostics. EOF on stdin means exit.
//
// # Reset
//
// Every run of a scenario needs a fresh lock. A driver whose hello line has
// the word reset (after the operations, by convention) serves many runs:
//
//	lockcheck-driver 1 acquire try_acquire acquire_timeout release locked reset
//
// Between runs the harness writes "reset N", where N numbers the resets of
// the process from 1, and the driver answers "reset N" once it has replaced
// its lock by a fresh one; the next run's requests follow, and its client
// ids start afresh (a driver may keep its client threads: they are idle). The
// harness resets only when every request it sent has been answered, so an
// answer of the old lock cannot follow the reset; a line other than
// "reset N" while the reset is outstanding is a protocol error, and so is
// "reset N" when no reset N is outstanding. A run that ends with a request
// unanswered (a client stuck in the lock, whose waiter could still be woken
// and answer) or a driver that broke is never reset: the process is closed,
// as before. The word is optional, so drivers written for version 1 keep
// working, with a process per run. The driver's side: on "reset N", wait
// until no request is in progress (one may still be finishing its
// bookkeeping after writing its answer), replace the lock, answer.
//
// # Processes
//
// [Start] starts one driver process. A [Pool] hands out a driver for every
// run of the harness: a driver that offers reset is reset and reused
// ([Driver.Reset]); otherwise a fresh process per run, started ahead in the
// background, which hides the start-up latency of interpreters. A fresh
// process costs tens of milliseconds for Python and seconds for a JVM, a
// reset a round trip of tens of microseconds.
//
// # Misbehaviour
//
// A driver that exits, prints a line that is not an answer, breaks the
// protocol, or leaves a bounded request (any operation but acquire)
// unanswered well past its bound is broken: [Driver.Err] returns an [*Error]
// whose Kind says which, with the tail of the driver's stderr. From then on
// every operation returns at once (Acquire returns, TryAcquire,
// AcquireTimeout and Locked report false, Release reports an error), so the
// harness's run ends promptly; the harness then consults Err and reports the
// run as a failure of the target, not of the lock.
package driver
