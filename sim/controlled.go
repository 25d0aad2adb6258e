package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sched"
	schedatomic "github.com/lockcheck/lockcheck/sched/atomic"
	schedcontext "github.com/lockcheck/lockcheck/sched/context"
	schedtime "github.com/lockcheck/lockcheck/sched/time"
)

// Controlled mode.
//
// In a test binary built by `lockcheck test`, the lock's code calls the
// scheduler of package sched at every synchronisation point, and the
// scheduler runs one goroutine at a time. A controlled run executes one
// scenario as sched.Run: each client is a managed goroutine that runs its
// script with no rendezvous and no jitter (the scheduler's strategy decides
// the interleaving), and records its operations in the same slots, stamped
// from the same atomic clock, as in stress mode. Slot bounds and the
// contexts of acquire_context steps live on the scheduler's virtual time,
// which moves when nothing can run, or when the strategy fires the next
// timer first (a timeout racing the other goroutines), so timeouts fire at
// once and deterministically.
//
// The watchdog is the scheduler's Idle callback, called when no managed
// goroutine can run, and it is exact:
//   - once every client is done, it starts the final probe (locked,
//     try_acquire, release), as in stress mode;
//   - if every client still running waits in an acquire that may wait
//     (mayWait), or in a timed or cancellable one with time left (its
//     bound strictly after now, see waiting), and the harness has not
//     released since the last progress of a client, it starts the
//     harness's rescue release, recorded as the harness's operation;
//   - after that rescue, with still no progress, a timed waiter whose own
//     bound is the next thing that can happen (a timer is pending, none
//     before its bound: sched.NextTimer; with no timer pending at all, the
//     waiter has not even set its own, e.g. it spins: parked spinners run
//     next) while it has time left (hasTimeLeft: more than one
//     and a half stuck timeouts, as in stress mode) sits out its timeout on
//     a lock that the release left free: the run is stuck, the waiter
//     marked MarkTimeLeft (issue 13's promise: a timed waiter with time
//     left proceeds when the lock is released and nobody else takes it).
//     A lock that polls with Sleep has an earlier timer: time moves to it
//     and the rule is applied again;
//   - otherwise it starts nothing: virtual time moves to the next timer (a
//     bounded operation's timeout), or, with no timer pending, the run ends.
//
// A run that ends with an operation still in flight is stuck, at once and
// with no timeout: waiters that no release lets proceed (a lost wake-up), a
// bounded operation blocked with no timer that could end it, or a harness
// operation that cannot return. A run that hits the scheduler's step limit
// is stuck too (a livelock). A goroutine that escapes the scheduler's
// control ends controlled mode for the rest of the search, which goes on in
// stress mode and says so.
//
// Each scenario runs cfg.repeat schedules: PCT with depth 1, 2, 3 and a
// random walk, alternating, with seeds derived from the search's seed, the
// scenario's text and the repetition, so that rapid, when it runs a failing
// scenario again while shrinking it, gets the same schedules and the same
// failure. The final failure's schedule is then minimised (fewest
// preemptions that still fail the same way) and run once more with a trace.

// ctlState is the controlled-mode state of one run.
type ctlState struct {
	stop     atomic.Bool  // a broken contract ended the run: clients stop between steps
	last     int64        // the clients' progress when the harness last released
	rescued  bool         // the harness released since the last progress
	rescue   *slot        // the harness's last rescue release, nil if none could be made
	overflow bool         // the harness ran out of slots for rescues
	probing  bool         // the final probe was started
	harness  map[int]bool // the scheduler's ids of the harness's goroutines
	marker   schedatomic.Int64
	marks    []markRec    // the boundaries marked, in the order of their steps
	frozen   []history.Op // the history when a waiter was judged stuck with time left (the run then winds down)
	suspect  *Failure     // a waiter seemed stuck with time left (stuckTimeLeft), not yet confirmed
	suspH    []history.Op // the history then
	suspP    int64        // the clients' progress then
}

// markRec is an operation boundary marked in a controlled run.
type markRec struct {
	c   *client
	k   int32 // slot
	ret bool  // the return (else the call)
}

// mark is, in a controlled run, a scheduling point of the harness at the
// call (ret false) and at the return of the operation in c's slot k. It
// lets the scheduler switch between the call's timestamp and the lock's
// code (as between any two steps), and the trace shows it as the
// operation's boundary: the marks are recorded in the order of their
// steps, and their steps are found in the trace by their position.
func (r *run) mark(c *client, k int32, ret bool) {
	if r.ctl == nil {
		return
	}
	r.ctl.marker.Add(markHere())
	r.ctl.marks = append(r.ctl.marks, markRec{c, k, ret})
}

// markPos is "controlled.go:123", the position of mark's scheduling point.
var markPos atomic.Pointer[string]

// markHere records, the first time, the position of its caller's line in
// markPos, and returns 1.
func markHere() int64 {
	if markPos.Load() == nil {
		_, file, line, _ := runtime.Caller(1)
		p := filepath.Base(file) + ":" + strconv.Itoa(line)
		markPos.Store(&p)
	}
	return 1
}

// asHarness wraps f, a goroutine of the harness, so that traces name it.
func (r *run) asHarness(f func()) []func() {
	return []func(){func() {
		if g, ok := sched.Current(); ok {
			r.ctl.harness[g] = true
		}
		f()
	}}
}

// now is the clock of the run, virtual in controlled mode: slots' start
// times and bounds, and the readings that gaveUpEarly compares, come from it.
func (r *run) now() time.Time {
	if r.ctl != nil {
		return schedtime.Now()
	}
	return time.Now()
}

// withCancel and withTimeout make the contexts of acquire_context steps: in
// controlled mode on the scheduler's contexts and virtual time, with a
// parent that nothing else cancels.
func (r *run) withCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.ctl != nil {
		return schedcontext.WithCancel(context.Background())
	}
	return context.WithCancel(ctx)
}

func (r *run) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if r.ctl != nil {
		return schedcontext.WithTimeout(context.Background(), d)
	}
	return context.WithTimeout(ctx, d)
}

// mayWait reports whether the operation in sl may legitimately wait for
// ever: a blocking acquire, or an acquire_context whose context is never
// cancelled.
func mayWait(sl *slot) bool { return sl.bound.IsZero() }

// stuckTimeLeft applies the rule of progress with time left in a controlled
// run (see the top of this file): called by idle after the harness's rescue
// release, with no progress of a client since, nothing able to run, and
// every running client waiting. A timed waiter with time left at now
// (hasTimeLeft), when a timer is pending and none before its bound
// (sched.NextTimer), can only sit out its timeout on the free lock: the
// run is suspected stuck, with the history as it is now, and the failure
// is recorded as the run's contract failure (the run then winds down:
// clients stop between steps) when the waiter does fail at its bound with
// no progress in between (confirmTimeLeft).
func (r *run) stuckTimeLeft(waiting, timed []*client, now time.Time) {
	next, pending := sched.NextTimer()
	var stuck []*client
	for _, c := range timed {
		bound := c.slots[c.cur.Load()-1].bound
		if pending && !next.Before(bound) && hasTimeLeft(bound, now, r.cfg.stuck) {
			stuck = append(stuck, c)
		}
	}
	if len(stuck) == 0 {
		return
	}
	f := r.stuckFailure(r.controlledStuckReason(waiting)+timeLeft(stuck, now)+
		"; nothing could happen before its timeout", waiting)
	r.markTimeLeft(f, stuck)
	w := r.ctl
	if w.suspect == nil {
		w.suspect, w.suspH, w.suspP = f, r.snapshot(), r.progress.Load()
	}
}

// confirmTimeLeft turns the suspicion of stuckTimeLeft into the run's
// failure when a waiter's timed or cancellable acquire (client c's step s,
// ok its result, true for a panic) fails with no progress of any client
// since the suspicion: the waiter did sit out its time on the free lock.
// The suspicion is only that: "nothing can run" at idle includes
// goroutines the scheduler parked as spinners (a goroutine that read the
// same value twice in a row), which run again once virtual time moves, and
// may then take the free lock (lock.Lock's spin loop reads the lock word
// twice before its compare-and-swap); their progress clears it (idle).
func (r *run) confirmTimeLeft(c *client, s Step, ok bool) {
	w := r.ctl
	if w == nil || w.suspect == nil || c == r.harness || ok ||
		s.Kind != model.AcquireTimeout && s.Kind != model.AcquireContext || r.progress.Load() != w.suspP {
		return
	}
	r.mu.Lock()
	if r.contract == nil {
		r.contract = w.suspect
		w.frozen = w.suspH
	}
	r.mu.Unlock()
	r.cancel()
}

// plan is how one controlled run schedules.
type plan struct {
	strategy sched.Strategy
	info     schedInfo
	trace    bool
}

// schedInfo names the schedule of a controlled run in reports: the
// strategy that found it and its place among the scenario's schedules.
type schedInfo struct {
	strategy string // "pct", "random" or "exhaustive"
	depth    int    // with pct; with exhaustive, the preemption bound
	index    int    // 1-based
	of       int
}

func (i schedInfo) String() string {
	if i.strategy == "exhaustive" {
		return fmt.Sprintf("exhaustive; schedule %d of the scenario's schedules with at most %s, and none with fewer fails", i.index, plural(i.depth, "preemption"))
	}
	s := i.strategy
	if i.strategy == "pct" {
		s += fmt.Sprintf(", depth %d", i.depth)
	}
	return fmt.Sprintf("%s; schedule %d of %d", s, i.index, i.of)
}

// ctlSearch is the controlled-mode state of a search.
type ctlSearch struct {
	seed uint64
}

// pick chooses the strategy of sc's repetition rep of reps: PCT with depth
// 1, 2, 3 and random walks alternate, each seeded from the search's seed,
// the scenario's text and the repetition.
func (c *ctlSearch) pick(sc Scenario, rep, reps int) plan {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d\x00%s\x00%d", c.seed, sc, rep)
	seed := h.Sum64()
	info := schedInfo{index: rep + 1, of: reps}
	if rep%2 == 0 {
		info.strategy, info.depth = "pct", 1+(rep/2)%3
		return plan{strategy: sched.PCT(seed, info.depth), info: info}
	}
	info.strategy = "random"
	return plan{strategy: sched.Random(seed), info: info}
}

func newCtlSearch(seed uint64) *ctlSearch {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &ctlSearch{seed: seed}
}

// ctlRun is what a controlled run leaves on its failure.
type ctlRun struct {
	schedule sched.Schedule
	info     schedInfo
	trace    []sched.Event
	harness  map[int]bool // ids of the harness's goroutines
	marks    []markLabel  // the operation boundaries, in the order of their steps in trace
}

// markLabel is an operation boundary as traces show it.
type markLabel struct {
	client int    // the client's id (the harness's is the number of clients)
	slot   int    // the operation's index among the client's
	ret    bool   // the return, else the call
	text   string // "calls try_acquire()", "try_acquire() → true"
}

// errEscaped reports that a goroutine left the scheduler's control.
type errEscaped struct{ what string }

func (e errEscaped) Error() string {
	return "control escaped the scheduler: " + e.what
}

// executeControlled runs the scenario once under the scheduler. It returns
// the history, the failure the run itself shows (stuck, broken contract),
// and the run's schedule; a non-nil error says that control escaped, and
// nothing is known about the lock.
func (r *run) executeControlled(p plan) ([]history.Op, *Failure, *ctlRun, error) {
	r.ctl = &ctlState{last: -1, harness: map[int]bool{}}
	r.cancel() // the stress mode's context is not used
	r.ctx, r.cancel = context.Background(), func() { r.ctl.stop.Store(true) }
	gs := make([]func(), len(r.clients))
	for i, c := range r.clients {
		gs[i] = r.controlledClient(c, r.sc.Clients[i])
	}
	res := sched.Run(sched.Options{Strategy: p.strategy, Trace: p.trace, Idle: r.idle, MaxSteps: maxSteps(r.sc), Escape: r.cfg.escape}, gs...)
	if res.Escaped != "" {
		_ = r.target.Close()
		return nil, nil, nil, errEscaped{res.Escaped}
	}
	h := r.snapshot()
	if r.ctl.frozen != nil {
		h = r.ctl.frozen
	}
	var stuck *Failure
	if !r.ctl.stop.Load() {
		stuck = r.controlledStuck(res)
	}
	h, f := r.verdict(h, stuck)
	cr := &ctlRun{schedule: res.Schedule, info: p.info, trace: res.Trace, harness: r.ctl.harness}
	for _, m := range r.ctl.marks {
		op := m.c.slots[m.k].op
		text := "call " + strings.TrimSuffix(model.Describe(op.Input, model.Output{Pending: true}), " → ?")
		if m.ret {
			text = "return " + model.Describe(op.Input, op.Output)
		}
		cr.marks = append(cr.marks, markLabel{client: m.c.id, slot: int(m.k), ret: m.ret, text: text})
	}
	return h, f, cr, nil
}

// maxSteps bounds the scheduling steps of one controlled run: 1000, and
// 500 an operation. Correct locks take a few steps an operation (at most 25
// measured, for a spin lock on compare-and-swap; a spinning goroutine runs
// only when nothing else can), so a run that takes this many steps is a
// livelock.
func maxSteps(sc Scenario) int { return 1000 + 500*sc.ops() }

// controlledClient is client c's goroutine in a controlled run.
func (r *run) controlledClient(c *client, steps []Step) func() {
	return func() {
		defer func() {
			c.done.Store(true)
			r.active.Add(-1)
		}()
		for _, s := range steps {
			if r.ctl.stop.Load() {
				return
			}
			if r.skip(c, s) {
				continue // a release of a lock not known to be held, or a wait forever by design
			}
			r.do(c, s, -1)
		}
		r.releaseHeld(c)
	}
}

// idle is the watchdog of a controlled run (see the top of this file).
func (r *run) idle() []func() {
	w := r.ctl
	if w.stop.Load() {
		return nil
	}
	if p := r.progress.Load(); p != w.last {
		w.last, w.rescued, w.rescue = p, false, nil
		w.suspect, w.suspH = nil, nil
	}
	if r.active.Load() == 0 {
		if w.probing || r.harness.cur.Load() != 0 {
			return nil
		}
		w.probing = true
		return r.asHarness(r.probeOps)
	}
	if r.harness.cur.Load() != 0 {
		return nil // the harness's release is blocked: a timer may end it, else the run ends stuck
	}
	now := r.now()
	var waiting, timed []*client
	for _, c := range r.clients {
		if c.done.Load() {
			continue
		}
		k := c.cur.Load()
		if k == 0 || !waitsForRelease(&c.slots[k-1], now, r.cfg.stuck) {
			return nil // a bounded operation waits: virtual time moves to its timer, else the run ends stuck
		}
		waiting = append(waiting, c)
		if !mayWait(&c.slots[k-1]) {
			timed = append(timed, c)
		}
	}
	if w.rescued && w.rescue != nil && !r.cfg.owned {
		r.stuckTimeLeft(waiting, timed, now)
		return nil
	}
	if w.rescued || r.cfg.owned {
		return nil // released already (or only the holder may release), and no waiter proceeded: the run ends stuck
	}
	w.rescued = true
	if !r.cfg.unlockedRelease && !r.takeHeld() {
		return nil
	}
	if int(r.harness.n.Load()) >= len(r.harness.slots)-2 {
		w.overflow = true
		return nil
	}
	w.rescue = &r.harness.slots[r.harness.n.Load()]
	return r.asHarness(func() { r.do(r.harness, Step{Kind: model.Release}, -1) })
}

// controlledStuck judges a controlled run that ended: it is stuck if it hit
// the step limit or if an operation is still in flight.
func (r *run) controlledStuck(res *sched.Result) *Failure {
	var waiting, bounded []*client
	for _, c := range r.clients {
		if k := c.cur.Load(); k > 0 {
			if mayWait(&c.slots[k-1]) {
				waiting = append(waiting, c)
			} else {
				bounded = append(bounded, c)
			}
		}
	}
	inFlight := append(append([]*client{}, bounded...), waiting...)
	if k := r.harness.cur.Load(); k > 0 {
		inFlight = append(inFlight, r.harness)
	}
	switch {
	case res.StepLimit && len(bounded) == 0 && r.harness.cur.Load() == 0 && len(waiting) > 0 &&
		!(r.ctl.rescued && r.ctl.last == r.progress.Load()):
		// Every client still running spins in an acquire that may wait,
		// and the harness has not released since their last progress
		// (the scheduler never found them all idle): the run says
		// nothing about liveness. Its history is still checked.
		return nil
	case res.StepLimit:
		return r.stuckFailure(fmt.Sprintf("the run did not finish within %d scheduling steps: a livelock (goroutines keep running, and no operation in flight returns)", res.Steps), inFlight)
	case len(bounded) > 0:
		c := bounded[0]
		return r.stuckFailure(fmt.Sprintf("client %d's %s cannot return: no goroutine can run and no timer is pending (a correct lock returns by its bound)",
			c.id, c.slots[c.cur.Load()-1].step), bounded)
	case r.harness.cur.Load() > 0:
		return r.stuckFailure(fmt.Sprintf("the harness's %s cannot return: no goroutine can run and no timer is pending (a correct lock returns at once)",
			r.harness.slots[r.harness.cur.Load()-1].step), []*client{r.harness})
	case len(waiting) > 0:
		return r.stuckFailure(r.controlledStuckReason(waiting), waiting)
	}
	return nil
}

func (r *run) controlledStuckReason(waiting []*client) string {
	var ws []string
	for _, c := range waiting {
		ws = append(ws, fmt.Sprintf("client %d's %s", c.id, c.slots[c.cur.Load()-1].step))
	}
	who := strings.Join(ws, ", ")
	wait := "waits"
	if len(waiting) > 1 {
		wait = "wait"
	}
	w := r.ctl
	switch {
	case r.cfg.owned:
		return r.ownedStuckReason(waiting, wait+", and no goroutine can run")
	case w.overflow:
		return fmt.Sprintf("the harness released the lock more times than the scenario has operations, and %s still cannot proceed", who)
	case w.rescue == nil:
		return fmt.Sprintf("%s %s, no goroutine can run, and no client is known to hold the lock (releases of an unlocked lock are turned off)", who, wait)
	case w.rescue.op.Output.OK:
		return fmt.Sprintf("every client was blocked, so the harness released the lock; its release() succeeded, yet none of the waiters (%s) can proceed and no goroutine can run: a release with waiters after which none proceeds", who)
	}
	return fmt.Sprintf("every client was blocked, so the harness released the lock; its release() reported the lock unlocked, so %s %s on an unlocked lock and no goroutine can run: a lost wake-up", who, wait)
}

// lockPackage returns the import path of the package that defines l's
// type, after pointer indirection, and a printable name of the type.
func lockPackage(l Lock) (pkg, name string) {
	t := reflect.TypeOf(l)
	if t == nil {
		return "", "<nil>"
	}
	name = t.String()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath(), name
}

// fingerprint identifies a lock's type in replay tokens.
func fingerprint(l Lock) string {
	pkg, name := lockPackage(l)
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s", pkg, name)
	return fmt.Sprintf("%08x", h.Sum32())
}

// chooseMode decides whether the search runs in controlled mode. reason
// says why it does not in a controlled build.
func chooseMode(cfg *config, l Lock) (controlled bool, reason string) {
	if cfg.forceControlled {
		return true, ""
	}
	if !sched.Enabled() {
		return false, ""
	}
	pkg, name := lockPackage(l)
	if pkg == "" {
		return false, fmt.Sprintf("the lock's type %s belongs to no package the scheduler can know", name)
	}
	ok, problems := sched.Registered(pkg)
	switch {
	case !ok:
		return false, fmt.Sprintf("package %s, which defines the lock's type %s, is not instrumented", pkg, name)
	case len(problems) > 0:
		return false, fmt.Sprintf("package %s uses what the scheduler cannot control: %s", pkg, strings.Join(problems, "; "))
	}
	return true, ""
}
