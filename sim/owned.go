package sim

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// Owned locks.
//
// With WithOwnership every client is its own owner: in process, the
// goroutine that runs its script; for a Target, its handle. The harness
// keeps, for each client, how many acquisitions the lock granted it minus
// the releases it accepted from it (what the client holds, as far as the
// lock told it), and uses it three ways:
//
//   - A client releases only what it holds, except for the releases that
//     probe an owned lock's refusal: a release by a client that holds
//     nothing must report an error and change nothing. Those are left out
//     with WithoutUnlockedRelease, like the releases of an unlocked lock of
//     an unowned one.
//   - A client that holds a non-reentrant lock skips its steps that would
//     wait forever on it (acquire, and acquire_context that is never
//     cancelled): they wait forever by design. Its bounded acquisitions
//     remain and must fail. A client that holds a reentrant lock keeps
//     every step; its acquisitions must succeed at once, so the watchdog
//     treats them as bounded: one that blocks is stuck (a reentrant acquire
//     that deadlocks on its own lock).
//   - The harness never releases a lock a client holds (only the holder
//     may, and in process an owned lock may check which goroutine calls
//     it). Instead a client that holds the lock at the end of its script
//     releases it itself, once per acquisition, as operations of its own.
//     The watchdog's rescue therefore has nothing to do: when every
//     running client waits and nothing moves for the stuck timeout, no
//     correct lock explains it (the holder, if any, is waiting in its own
//     acquire, or ended its script with a release the lock refused, or no
//     client holds the lock at all), and the run is stuck. The final probe
//     (locked, try_acquire, and a release if it acquired) runs on one
//     goroutine, the harness's own client, which releases what it took.
//     A stuck run's clients are unblocked by the harness taking and
//     releasing the lock on one goroutine, if it is free.

// WithOwnership checks an owned lock: only the client that holds it may
// release it. Every client is its own owner (its goroutine in process, its
// handle of a Target); a client releases only what it holds, and the
// harness's own releases go through the holder: a client holding the lock
// when its script ends releases it itself. A release by a client that does
// not hold the lock must report an error and change nothing; the harness
// tries that unless WithoutUnlockedRelease is given. The holder does not
// acquire the lock again where that would wait forever. Histories are
// checked against model.OwnedModel.
func WithOwnership() Option { return func(c *config) { c.owned = true } }

// WithReentrancy checks an owned, reentrant lock (it implies
// WithOwnership): the holder's further acquisitions succeed at once and
// count, and the lock is free after as many releases. A holder's
// acquisition that blocks is reported as Stuck. Histories are checked
// against model.ReentrantModel.
func WithReentrancy() Option { return func(c *config) { c.owned, c.reentrant = true, true } }

// lock returns the semantics of the lock under test.
func (c *config) lock() model.Semantics {
	switch {
	case c.reentrant:
		return model.Reentrant
	case c.owned:
		return model.Owned
	}
	return model.Unowned
}

// holds returns c's count of acquisitions not yet released, by the lock's
// account.
func (r *run) holds(c *client) int32 { return r.own[c.id].Load() }

// newHolds makes the per-client counts of a run with n clients and the
// harness.
func newHolds(n int) []atomic.Int32 { return make([]atomic.Int32, n+1) }

// tailSlots is how many operations beyond its script a client may need: the
// releases of what it holds at the end.
func (r *run) tailSlots(steps []Step) int {
	if !r.cfg.owned {
		return 0
	}
	n := 0
	for _, s := range steps {
		if s.Kind.IsAcquire() {
			n++
		}
	}
	return n
}

// skip reports whether c leaves out step s: a release of a lock it is not
// known to hold, with WithoutUnlockedRelease; with an owned lock, a wait
// that would last forever by design.
func (r *run) skip(c *client, s Step) bool {
	if !r.cfg.owned {
		return s.Kind == model.Release && !r.cfg.unlockedRelease && !r.takeHeld()
	}
	held := r.holds(c) > 0
	switch {
	case s.Kind == model.Release:
		return !held && !r.cfg.unlockedRelease
	case s.Kind.IsAcquire():
		forever := s.Kind == model.Acquire || s.Kind == model.AcquireContext && s.Cancel == CancelNever
		return held && forever && !r.cfg.reentrant
	}
	return false
}

// ownedBound makes an acquisition by the holder of a reentrant lock
// bounded: it must return at once. The holder's timed acquisition of a
// non-reentrant lock waits for no release (only the holder could make one):
// it ends at its bound, failing.
func (r *run) ownedBound(c *client, s Step, sl *slot, now time.Time) {
	held := r.cfg.owned && s.Kind.IsAcquire() && r.holds(c) > 0
	sl.self = held && !r.cfg.reentrant
	if held && r.cfg.reentrant {
		sl.bound = now
	}
}

// noteHold counts what c holds after an operation that returned ok.
func (r *run) noteHold(c *client, s Step, ok bool) {
	if !r.cfg.owned || !ok {
		return
	}
	switch {
	case s.Kind.IsAcquire():
		r.own[c.id].Add(1)
	case s.Kind == model.Release && r.holds(c) > 0:
		r.own[c.id].Add(-1)
	}
}

// releaseHeld ends c's script on an owned lock: c releases what it holds,
// once per acquisition, until the lock refuses.
func (r *run) releaseHeld(c *client) {
	if !r.cfg.owned {
		return
	}
	c.tail = true
	for r.holds(c) > 0 && r.ctx.Err() == nil && int(c.n.Load()) < len(c.slots) {
		k := c.n.Load()
		r.do(c, Step{Kind: model.Release}, -1)
		if !c.slots[k].op.Output.OK {
			return // refused: the history shows it
		}
	}
}

// endNote is the note of the releases that end a client's script.
const endNote = "end of script"

// opNote is the note of c's next operation.
func (c *client) opNote() string {
	if c.tail {
		return endNote
	}
	return c.note
}

// overdueNote explains why an acquisition of the holder of a reentrant lock
// was bounded.
func (r *run) overdueNote(c *client) string {
	k := c.cur.Load()
	if !r.cfg.reentrant || k == 0 || !c.slots[k-1].step.Kind.IsAcquire() || r.holds(c) == 0 {
		return ""
	}
	return fmt.Sprintf("; client %d holds the lock, and a reentrant lock lets its holder acquire it again at once: its own acquire deadlocked", c.id)
}

// ownedStuckReason says why a run of an owned lock in which every running
// client waits is stuck.
// how says how they waited, e.g. "waited for 500ms without progress".
func (r *run) ownedStuckReason(waiting []*client, how string) string {
	var ws, holders []string
	for _, c := range waiting {
		ws = append(ws, fmt.Sprintf("client %d's %s", c.id, c.slots[c.cur.Load()-1].step))
	}
	for _, c := range r.clients {
		if n := r.holds(c); n > 0 {
			state := "still running"
			if c.done.Load() {
				state = "its script ended, and the lock refused its release"
			}
			holders = append(holders, fmt.Sprintf("client %d (%d times; %s)", c.id, n, state))
		}
	}
	who := strings.Join(ws, ", ")
	if len(holders) == 0 {
		return fmt.Sprintf("%s %s while no client held the lock (every acquisition that returned had been released): a lost wake-up, or a release that left the lock locked", who, how)
	}
	return fmt.Sprintf("%s %s; the lock was held by %s, and only the holder may release an owned lock", who, how, strings.Join(holders, ", "))
}

// ownershipHint suggests WithOwnership when an unowned lock's violation is
// a refused release: the first sign of an owned lock checked as unowned.
func (s *search) ownershipHint(h []history.Op, res history.Result) string {
	if s.cfg.owned || res.Culprit < 0 {
		return ""
	}
	if op := h[res.Culprit]; op.Input.Kind != model.Release || op.Output.Pending || op.Output.OK {
		return ""
	}
	return "\nIf only the holder may release this lock (an owned lock, like Java's ReentrantLock or Python's RLock), " +
		"check it with sim.WithOwnership() or sim.WithReentrancy() (lockcheck drive --owned or --reentrant)."
}

// unblockOwned tries to let the clients of a stuck run that are still
// blocked return, through the owner rule: the harness's client takes the
// lock if it is free and releases it, both on one goroutine.
func (r *run) unblockOwned(allDone <-chan struct{}) {
	for range 20 {
		select {
		case <-allDone:
			return
		default:
		}
		go func() {
			defer func() { _ = recover() }()
			if r.harness.lock.TryAcquire() {
				_ = r.harness.lock.Release()
			}
		}()
		select {
		case <-allDone:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
