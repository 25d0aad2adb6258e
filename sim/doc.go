// Package sim is a simulation harness that checks a lock implementation:
// rapid generates randomized concurrent scenarios, real goroutines run them
// against the lock, porcupine checks each recorded history for
// linearizability against model.Model, and a watchdog catches waiters that
// stay blocked when a correct lock would have let them proceed. A failure
// comes back minimized by rapid, as a scenario, a per-client text timeline
// of the failing history, and porcupine's HTML visualization of it.
//
// In a test, one call checks a lock:
//
//	func TestMyLock(t *testing.T) {
//		sim.Check(t, func() sim.Lock { return mylock.New() })
//	}
//
// Outside tests, Run and RunLock do the same and return a Report. A lock in
// another process is checked through a Target that forwards each client's
// calls (see package driver).
//
// What a run does, and which bugs each part catches:
//
//   - Scenarios have 2 to 8 clients, each with a script of operations drawn
//     from those the lock offers: acquire, try_acquire, acquire_timeout with
//     timeouts from zero to milliseconds or long (four stuck timeouts),
//     acquire_context with contexts cancelled before or during the wait (or
//     never), release (also of an
//     unlocked lock, and by a client other than the one that acquired) and
//     locked. Each scenario runs several times on a fresh lock, with
//     random jitter between operations, so narrow races show up.
//   - Calls and returns are stamped from one atomic clock, so the history
//     never inverts real-time order. A linearizability violation shows
//     safety bugs: two holders, a failed try on a free lock, a release of an
//     unlocked lock that succeeds, a timed acquire that fails yet keeps the
//     lock.
//   - When every running client is blocked in an acquire that may wait
//     until a release (a blocking one, or a timed or cancellable one with
//     time left), the harness releases the lock itself (recorded as the
//     harness's operation). If no waiter proceeds within the stuck timeout,
//     the run is stuck: a lost wake-up, or a release after which no waiter
//     proceeds. A bounded operation that overruns its bound is stuck too.
//     Slow or paused locks are not stuck: see WithStuckTimeout.
//   - An AcquireTimeout(d) that fails before d has elapsed gave up early.
//     For a lock in another process, the end-of-run probe also tests both
//     promises of timed acquisition when it finds the lock held.
//   - A panic, or AcquireContext failing while its context is not done,
//     breaks the contract.
//   - An owned lock (WithOwnership, WithReentrancy) is checked against
//     model.OwnedModel or model.ReentrantModel: every client is its own
//     owner, a release by a client that does not hold the lock must report
//     an error and change nothing, and the harness never releases a lock a
//     client holds (the client releases it at the end of its script). A
//     reentrant holder's acquire that blocks is stuck.
//
// A porcupine timeout is reported as Inconclusive, never as a pass.
//
// That is stress mode, the mode of a plain `go test`. In a test binary
// built by `lockcheck test`, whose lock code calls the scheduler of package
// sched at every synchronisation point, Check, Run and RunLock run in
// controlled mode instead (see controlled.go): the scheduler runs one
// goroutine at a time and its strategies (PCT, random walks) choose the
// interleaving, time is virtual, a stuck waiter is seen at once, and every
// failure comes with a step trace and a `replay:` command that reproduces
// it exactly. Report.Mode and the failure's `mode:` line say which mode
// ran, and why stress mode ran in such a binary.
//
// In controlled mode the harness can also enumerate instead of sampling:
// Exhaustive (and ExploreLock) run every scenario of at most N clients with
// at most M operations in all, each under every schedule with at most k
// preemptions (WithExhaustive), and either find a failure on a smallest
// failing scenario with the fewest preemptions, or state what was proved,
// e.g. "all 202,622 schedules with at most 2 preemptions of every scenario
// of at most 2 clients with at most 3 operations in all". Setting
// LOCKCHECK_EXHAUSTIVE=N,M,k for `lockcheck test` turns every Check into
// such an exploration (see exhaustive.go).
package sim
