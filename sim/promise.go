package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

// The real-time promises of timed and cancellable acquisition.
//
// Linearizability sees only the order of events, so it accepts a failed
// acquire_timeout as soon as the lock was held at some instant of the call,
// however short the call was. Two promises about real time are checked
// besides:
//
//   - Patience. A failed acquire_timeout(d) with d > 0 returns only after d
//     has elapsed, measured by the harness from just before the call to just
//     after the return, on the clock of the run (run.now). The check is a
//     pure function of the step, its result and the two readings
//     (gaveUpEarly), so any clock (real or virtual) can feed it. A failed
//     acquire_context returns only once its context is done: that one is
//     checked in invoke, as a broken contract.
//   - Progress with time left. A timed or cancellable waiter with time left
//     proceeds when the lock is released and nobody else takes it, as a
//     blocking waiter must. The watchdog counts a waiter as "waiting"
//     (rescuable, and judged stuck if none proceeds after the harness's
//     release) while it may block forever or while its bound is still more
//     than one and a half stuck timeouts away (hasTimeLeft); closer to its
//     bound it is busy, and only an overrun of its bound makes it stuck.
//     So a timed waiter is called stuck only if it stayed blocked for a
//     stuck timeout after the release while it still had half a stuck
//     timeout left: a correct lock would have let it proceed. Scenarios give
//     some timed acquires and cancellation delays a long duration
//     (longDelay: four stuck timeouts) so that the watchdog has time to see
//     such a waiter stay blocked on a free lock well before its timeout.
//     A correct lock returns them at once when the lock is released; the
//     watchdog releases it whenever every running client waits.
//
// A lock in another process runs few histories a second, too few for the
// scenarios alone to draw what each bug needs, so the end-of-run probe
// also tests both promises directly when it finds the lock held
// (probePatience, probeProgress).

// longDelay is the timeout (or cancellation delay) of the long timed and
// cancellable acquires of scenarios, for a stuck timeout of stuck.
func longDelay(stuck time.Duration) time.Duration { return 4 * stuck }

// hasTimeLeft reports whether an operation with the given bound (zero: it
// may wait forever) counts, at now, as a waiter that may block until a
// release, for a stuck timeout of stuck: its bound is more than one and a
// half stuck timeouts away, so that a correct lock lets it proceed, after a
// release, well before its bound.
func hasTimeLeft(bound, now time.Time, stuck time.Duration) bool {
	return bound.IsZero() || bound.Sub(now) > stuck+stuck/2
}

// waitsForRelease reports whether the operation in sl counts, at now, as
// a waiter that only a release lets proceed: the one rule of both
// watchdogs (stress and controlled) for when the harness steps in. It may
// wait for ever, or it is a timed or cancellable acquire with time left
// (hasTimeLeft); every other operation's bound is its call. A shorter timed
// waiter is bounded: its timeout, not a release, ends it. The holder of an
// owned, non-reentrant lock waits for no release (only it could make one).
func waitsForRelease(sl *slot, now time.Time, stuck time.Duration) bool {
	return !sl.self && hasTimeLeft(sl.bound, now, stuck)
}

// gaveUpEarly returns the broken promise, or "" if there is none, of a
// step that returned ok after being called at called and returning at
// returned: an acquire_timeout(d), d > 0, that failed before d elapsed.
func gaveUpEarly(s Step, ok bool, called, returned time.Time) string {
	if s.Kind != model.AcquireTimeout || ok || s.Timeout <= 0 {
		return ""
	}
	took := returned.Sub(called)
	if took >= s.Timeout {
		return ""
	}
	shown := roundDuration(took)
	if shown >= s.Timeout {
		shown = took // do not round up to the timeout itself
	}
	return fmt.Sprintf("%s → false after %v: a timed acquire waits its timeout before it gives up", s, shown)
}

// roundDuration rounds d for a message: to 3 significant digits or so.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}

// gaveUp records the first broken promise of patience, by the operation in
// slot at of client c, and ends the run.
func (r *run) gaveUp(c *client, msg string, at [2]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.contract == nil {
		r.contract = &Failure{Kind: Early, Summary: fmt.Sprintf("%s's %s", c.name(), msg),
			marks: map[[2]int]string{at: "◀ gave up early"}}
	}
	r.cancel()
}

// probeTimeout is the timeout of probePatience's acquire_timeout.
const probeTimeout = time.Millisecond

// probePatience is the end-of-run probe's test of patience, for a lock in
// another process that offers acquire_timeout: when the probe's try found
// the lock held, every client is done, so nobody can release it, and the
// harness calls acquire_timeout(probeTimeout), which a correct lock fails
// after the timeout. A lock that gives up at once is caught in any run that
// ends with the lock held, whatever the scenario: drivers run few histories
// a second, and this costs them one request and a millisecond. In-process
// locks run thousands of histories a second, and a millisecond timer
// (their resolution on some machines) would slow them by a third; the
// scenarios' own timed acquires catch them within a few histories. It
// reports whether the harness acquired the lock (then the probe releases
// it).
func (r *run) probePatience() bool {
	if r.cfg.inProcess || r.ctx.Err() != nil {
		return false
	}
	if _, ok := r.harness.lock.(timeoutLock); !ok {
		return false
	}
	k := r.harness.n.Load()
	r.do(r.harness, Step{Kind: model.AcquireTimeout, Timeout: probeTimeout}, -1)
	return r.harness.n.Load() > k && r.harness.slots[k].op.Output.OK
}

// probeSettle is how long probeProgress lets its waiter's request reach
// the lock before the harness releases it.
const probeSettle = 20 * time.Millisecond

// probeProgress is the end-of-run probe's test of progress with time left,
// for a lock in another process that offers acquire_timeout, when the
// probe found the lock held and could not acquire it: every client is
// done, so nobody holds it who will release it. Client 0 (done with its
// script; its slots have room for this one operation) calls
// acquire_timeout(longDelay), and once its request had probeSettle to
// reach the lock, the harness releases the lock. A correct lock lets the
// waiter proceed; one that is still waiting a stuck timeout (of the
// watchdog's load-aware time) later, with time left, is stuck. A lock that
// strands its timed waiters is then caught in any run that ends with the
// lock held, whatever the scenario: drivers run few histories a second.
// (If the release comes before the waiter waits, the waiter just acquires
// a free lock.) It reports whether the waiter acquired the lock (the probe
// then releases it), and records a stuck run in r.contract.
func (r *run) probeProgress() bool {
	if r.cfg.inProcess || r.cfg.owned || !r.cfg.unlockedRelease || r.ctx.Err() != nil || len(r.clients) == 0 { // owned: the harness releases what client 0 would hold
		return false
	}
	c := r.clients[0]
	if _, ok := c.lock.(timeoutLock); !ok || int(c.n.Load()) >= len(c.slots) {
		return false
	}
	k := c.n.Load()
	waiter := make(chan struct{})
	go func() {
		defer close(waiter)
		r.do(c, Step{Kind: model.AcquireTimeout, Timeout: longDelay(r.cfg.stuck)}, -1)
	}()
	if !r.waitQuiet(waiter, probeSettle) {
		h := r.harness.n.Load()
		r.do(r.harness, Step{Kind: model.Release}, -1)
		released := r.harness.n.Load() > h && r.harness.slots[h].op.Output.OK
		if !r.waitQuiet(waiter, r.cfg.stuck) {
			now := r.now()
			// c.cur publishes the slot's bound (see do).
			if released && r.ctx.Err() == nil && c.cur.Load() == k+1 && c.slots[k].bound.After(now) {
				f := r.stuckFailure(fmt.Sprintf("at the end of the run every client was done and the lock held, so client %d called %s and the harness released the lock (release() → ok), yet the waiter did not proceed within %v: a release with waiters after which none proceeds",
					c.id, c.slots[k].step, r.cfg.stuck)+timeLeft([]*client{c}, now), []*client{c})
				r.markTimeLeft(f, []*client{c})
				r.mu.Lock()
				if r.contract == nil {
					r.contract = f
				}
				r.mu.Unlock()
			}
			return false
		}
	}
	<-waiter
	return c.slots[k].op.Output.OK && !c.slots[k].op.Output.Pending
}

// waitQuiet waits for done, for at most d of the watchdog's load-aware
// time (see watch: a late tick counts at most 4 ticks), and reports
// whether done was closed.
func (r *run) waitQuiet(done <-chan struct{}, d time.Duration) bool {
	const tick = time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := r.now()
	for quiet := time.Duration(0); quiet < d; {
		select {
		case <-done:
			return true
		case <-t.C:
		}
		now := r.now()
		quiet += min(now.Sub(last), 4*tick)
		last = now
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// MarkTimeLeft marks, in a Stuck failure's Marks, a timed or cancellable
// acquire that the watchdog judged stuck while it still had time left: a
// waiter on a free lock, like a stuck blocking acquire, and unlike a
// bounded operation that overran its bound (marked "◀ stuck").
const MarkTimeLeft = "◀ stuck with time left"

// markTimeLeft re-marks the waiters of f that have a bound.
func (r *run) markTimeLeft(f *Failure, waiting []*client) {
	for _, c := range waiting {
		if k := c.cur.Load(); k > 0 && !c.slots[k-1].bound.IsZero() {
			f.marks[[2]int{c.id, int(k - 1)}] = MarkTimeLeft
		}
	}
}

// timeLeft describes how long the waiters with a bound had left at now,
// for the watchdog's summary: "" when none has a bound.
func timeLeft(waiting []*client, now time.Time) string {
	var ws []string
	for _, c := range waiting {
		k := c.cur.Load()
		if k == 0 || c.slots[k-1].bound.IsZero() {
			continue
		}
		sl := &c.slots[k-1]
		ws = append(ws, fmt.Sprintf("client %d's %s still had %v", c.id, sl.step, sl.bound.Sub(now).Round(time.Millisecond)))
	}
	if len(ws) == 0 {
		return ""
	}
	return ";\n" + strings.Join(ws, ", ") + " left: a timed or cancellable waiter with time left proceeds on a release, as a blocking one does"
}
