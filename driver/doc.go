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
// are optional. The harness then writes requests "CLIENT OP" or
// "CLIENT acquire_timeout SECONDS"; CLIENT is a small integer, and a client
// is sent nothing new until its previous request was answered. The driver
// runs each client's requests in order on a thread of that client and
// answers "CLIENT RESULT": ok for acquire; true or false for try_acquire,
// acquire_timeout and locked; ok, or error if the lock was not locked, for
// release. stderr is free for diagnostics. EOF on stdin means exit.
//
// # Processes
//
// The protocol has no reset, and every run of a scenario needs a fresh lock,
// so every run gets a fresh process: [Start] starts one, and a [Pool] hands
// out fresh drivers one after the other while it starts the next process in
// the background, which hides the start-up latency of interpreters.
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
