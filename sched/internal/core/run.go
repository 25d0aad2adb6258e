// Package core is the controlled scheduler behind package sched and its
// replacement packages: managed goroutines, scheduling points, modelled
// blocking, virtual time and the strategies' hooks.
package core

import (
	"container/heap"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a run (see sched.Options).
type Config struct {
	Strategy Strategy
	MaxSteps int
	Trace    bool
	Idle     func() []func()
	Escape   time.Duration
}

// Choice is one choice that differs from the default rule: at step Step,
// goroutine N runs (Case false; N == TimerG: virtual time advances to the
// earliest pending timer, which fires), or the goroutine running chooses
// select case N (Case true).
type Choice struct {
	Step int
	Case bool
	N    int
}

// Event is one scheduling point of a trace (see sched.Event).
type Event struct {
	G       int
	Pos     string
	Op      string
	Value   string
	Preempt bool
	Time    time.Duration
}

// Blocked is a goroutine blocked when a run ended (see sched.Blocked).
type Blocked struct {
	G       int
	Pos, Op string
}

// Outcome is how a run ended (see sched.Result).
type Outcome struct {
	Steps     int
	Choices   []Choice
	Deadlock  bool
	Blocked   []Blocked
	StepLimit bool
	Escaped   string
	Trace     []Event
}

// TimerG is the pseudo-goroutine of the timer choice: offered to the
// Strategy (last among the candidates) at a scheduling point where
// goroutines can run and a timer is pending, choosing it advances virtual
// time to the earliest pending timer and fires it (a step of its own).
const TimerG = -1

// Epoch is the virtual time at which every run begins.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Defaults of Config.
const (
	DefaultMaxSteps = 100000
	DefaultEscape   = 10 * time.Second
)

// G is a managed goroutine.
type G struct {
	r      *run
	id     int
	goid   int64
	wake   chan bool // the token: true to run, false to unwind
	daemon bool      // a helper (context propagation): never keeps a run alive
	done   bool

	// starting: the goroutine runs its first stretch of code, up to its
	// first scheduling point, on behalf of its creator (see start), which
	// waits on started.
	starting bool
	started  chan struct{}

	pend *pending // the operation it waits to perform, nil while it runs

	// Spinning (see observe): the fingerprints of its current streak of
	// read-only steps, and whether it is parked until another goroutine steps.
	streak []fingerprint
	lastRO bool
	parked bool
}

// ID is the goroutine's number in its run (0.. in order of creation).
func (g *G) ID() int { return g.id }

// pending is an operation waiting to be scheduled.
type pending struct {
	op  string
	pcs []uintptr
	seq int // step at which it began waiting: pairing is FIFO

	probe func() bool // readiness of a modelled blocking operation; nil: always ready

	// channel operations (Send, Recv, Select)
	chanOp     bool
	cases      []Case
	hasDefault bool
	ready      []readyCase // scratch, recomputed at each decision
	completed  bool        // done already (by a partner or the environment)
	chosen     int         // the case that proceeded, -1 for default
	panicSend  bool        // the chosen send is on a closed channel: the goroutine sends to panic
	retry      bool        // the operation could not be performed (taken by an unmanaged goroutine)
	value      string      // trace value set when the step is decided
}

type readyCase struct {
	i       int
	how     int // howBuffer, howClosedRecv, howClosedSend, howPartner
	partner *G
	pj      int
}

const (
	howBuffer = iota
	howClosedRecv
	howClosedSend
	howPartner
)

type run struct {
	mu      sync.Mutex
	cfg     Config
	gs      []*G
	running *G // holds the token (nil: the Run caller, before the first step)
	steps   int
	over    bool
	end     chan struct{}
	out     Outcome
	now     time.Duration
	timers  timerHeap
	tseq    int
	idleAdv int // advances of virtual time since the last step
	spawns  []spawnReq
	alive   sync.WaitGroup
}

type spawnReq struct {
	f      func()
	daemon bool
}

// Run runs gs as managed goroutines 0..len(gs)-1 until they are all done, or
// the run deadlocks, hits MaxSteps or a goroutine escapes (see sched.Run).
func Run(cfg Config, gs ...func()) *Outcome {
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	if cfg.Escape <= 0 {
		cfg.Escape = DefaultEscape
	}
	r := &run{cfg: cfg, end: make(chan struct{})}
	if cfg.Strategy != nil {
		cfg.Strategy.Begin()
	}
	active.Add(1)
	defer active.Add(-1)
	go func() {
		r.mu.Lock()
		for _, f := range gs {
			if !r.start(f, false) {
				r.mu.Unlock()
				return
			}
		}
		next := r.schedule(nil)
		r.mu.Unlock()
		if next != nil {
			next.wake <- true
		}
	}()
	r.watch()
	r.waitUnwound()
	if cfg.Strategy != nil {
		cfg.Strategy.End(r.out.Steps)
	}
	return &r.out
}

// watch waits for the end of the run, ending it with Escaped when the
// goroutine holding the token does not reach a scheduling point within
// Config.Escape.
func (r *run) watch() {
	tick := r.cfg.Escape / 8
	if tick < time.Millisecond {
		tick = time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	last, since := -1, time.Now()
	for {
		select {
		case <-r.end:
			return
		case now := <-t.C:
			r.mu.Lock()
			if r.over {
				r.mu.Unlock()
				continue
			}
			if r.steps != last {
				last, since = r.steps, now
			} else if now.Sub(since) >= r.cfg.Escape {
				r.out.Escaped = r.escapeReport()
				r.finish()
			}
			r.mu.Unlock()
		}
	}
}

// waitUnwound waits (at most a second, or Config.Escape if shorter) for
// the goroutines unwound at the end of the run, so that their deferred
// calls do not overlap the caller's next steps; a deferred call that
// blocks for real is not waited for longer.
func (r *run) waitUnwound() {
	done := make(chan struct{})
	go func() { r.alive.Wait(); close(done) }()
	t := time.NewTimer(min(r.cfg.Escape, time.Second))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// escapeReport describes the goroutine holding the token: what it is doing
// (its runtime state), where (the first frame outside sched and the
// runtime) and its stack. Called with r.mu held.
func (r *run) escapeReport() string {
	g := r.running
	if g == nil {
		return fmt.Sprintf("the run made no step within %v", r.cfg.Escape)
	}
	state, stack := goroutineStack(g.goid)
	where := "?"
	lines := strings.Split(stack, "\n")
	for i := 1; i+1 < len(lines); i += 2 {
		fn := lines[i]
		if j := strings.LastIndexByte(fn, '('); j > 0 {
			fn = fn[:j]
		}
		if strings.HasPrefix(fn, "runtime.") || isSchedFunc(fn) {
			continue
		}
		file := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndexByte(file, ' '); j > 0 {
			file = file[:j]
		}
		where = shortFile(file)
		break
	}
	return fmt.Sprintf("goroutine %d did not reach a scheduling point within %v: %s at %s (an operation the scheduler does not control)\n%s",
		g.id, r.cfg.Escape, state, where, stack)
}

// goroutineStack returns the runtime state ("chan receive", ...) and the
// stack of the goroutine with the given id.
func goroutineStack(id int64) (state, stack string) {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	head := fmt.Sprintf("goroutine %d [", id)
	for _, block := range strings.Split(string(buf), "\n\n") {
		if rest, ok := strings.CutPrefix(block, head); ok {
			if i := strings.IndexByte(rest, ']'); i >= 0 {
				state = rest[:i]
			}
			return state, block
		}
	}
	return "gone", ""
}

// start creates goroutine f with the next id and runs it up to its first
// scheduling point (or its end), where it registers its pending operation
// without a decision and hands control back: the code before a
// goroutine's first scheduling point is local, so running it at once
// loses no interleaving, and starting a goroutine is not a step. It
// reports false if the run ended meanwhile (the new goroutine escaped).
// Called with r.mu held; released while the new goroutine runs.
func (r *run) start(f func(), daemon bool) bool {
	g := &G{r: r, id: len(r.gs), wake: make(chan bool, 1), daemon: daemon, starting: true, started: make(chan struct{}, 1)}
	r.gs = append(r.gs, g)
	if r.cfg.Strategy != nil {
		r.cfg.Strategy.NewG(g.id)
	}
	r.alive.Add(1)
	prev := r.running
	r.running = g
	go func() {
		defer r.alive.Done()
		id := goid()
		r.mu.Lock()
		g.goid = id
		r.mu.Unlock()
		managed.Store(id, g)
		defer managed.Delete(id)
		if fastG {
			gp := getg()
			byG.Store(gp, g)
			defer byG.Delete(gp)
		}
		defer g.exit()
		f()
	}()
	r.mu.Unlock()
	select {
	case <-g.started:
	case <-r.end:
	}
	r.mu.Lock()
	if r.over {
		return false
	}
	r.running = prev
	return true
}

// startQueued starts the goroutines that timers asked for. Called with
// r.mu held.
func (r *run) startQueued() bool {
	for len(r.spawns) > 0 {
		s := r.spawns[0]
		r.spawns = r.spawns[1:]
		if !r.start(s.f, s.daemon) {
			return false
		}
	}
	return true
}

// exit is the last scheduling point of a goroutine: it hands the token on.
func (g *G) exit() {
	r := g.r
	r.mu.Lock()
	if r.over {
		r.mu.Unlock()
		return
	}
	g.done, g.pend = true, nil
	r.progress(g)
	if g.starting {
		g.starting = false
		r.mu.Unlock()
		g.started <- struct{}{}
		return
	}
	next := r.schedule(nil)
	r.mu.Unlock()
	if next != nil {
		next.wake <- true
	}
}

// point makes g wait until the scheduler picks it to perform p. It returns
// false when the run is over (the caller then performs the real operation,
// unmanaged); it does not return (runtime.Goexit) when the run ends while
// g waits.
func (g *G) point(p *pending) bool {
	r := g.r
	r.mu.Lock()
	if r.over || g.done {
		r.mu.Unlock()
		return false
	}
	if !g.lastRO {
		g.streak = g.streak[:0]
		r.progress(g)
	}
	g.lastRO = false
	p.seq = r.steps
	g.pend = p
	if g.starting {
		g.starting = false
		r.mu.Unlock()
		g.started <- struct{}{}
		if !<-g.wake {
			runtime.Goexit()
		}
		return true
	}
	next := r.schedule(g)
	r.mu.Unlock()
	if next == nil {
		runtime.Goexit()
	}
	if next != g {
		next.wake <- true
		if !<-g.wake {
			runtime.Goexit()
		}
	}
	return true
}

// schedule decides who performs the next step, and returns it (nil when
// the run is over). from is the goroutine deciding, waiting at a
// scheduling point (nil: the Run caller or a goroutine that exited).
// Called with r.mu held (released around Config.Idle).
//
// The decision: fire the timers that are due; the candidates are the
// goroutines whose pending operation is enabled (probes evaluated now),
// minus the parked spinners. With none: ask Config.Idle for goroutines;
// else advance virtual time to the earliest timer; else let the parked
// spinners run; else the run is over (all done, or a deadlock). With
// candidates, the default rule (from if it is a candidate, else the
// lowest id) or the strategy picks one, and a select picks its case.
func (r *run) schedule(from *G) *G {
	for {
		if r.over {
			return nil
		}
		r.fireDue()
		if !r.startQueued() {
			return nil
		}
		var cands, parked []*G
		live := false
		for _, g := range r.gs {
			if g.done {
				continue
			}
			if !g.daemon {
				live = true
			}
			if g.pend == nil || !r.enabled(g) {
				continue
			}
			if g.parked {
				parked = append(parked, g)
			} else {
				cands = append(cands, g)
			}
		}
		if !live {
			if r.idle() {
				continue
			}
			r.finish()
			return nil
		}
		if len(cands) == 0 {
			if r.idle() || r.advance() {
				continue
			}
			if len(parked) == 0 {
				r.out.Deadlock = true
				r.finish()
				return nil
			}
			for _, g := range parked {
				g.parked = false
			}
			cands = parked
		}
		if r.steps >= r.cfg.MaxSteps {
			r.out.StepLimit = true
			r.finish()
			return nil
		}
		if g := r.pick(from, cands); g != nil {
			return g
		}
		// The timer choice was taken: decide again at the new time.
	}
}

// pick chooses among the candidates and performs the channel part of the
// chosen operation; it returns nil when the strategy chose the timer
// (TimerG, offered when a timer is pending: see fireChosen). Called with
// r.mu held.
func (r *run) pick(from *G, cands []*G) *G {
	step := r.steps
	ids := make([]int, len(cands), len(cands)+1)
	def := cands[0]
	fromCand := false
	for i, g := range cands {
		ids[i] = g.id
		if g == from {
			def, fromCand = g, true
		}
	}
	chosen := def
	if s := r.cfg.Strategy; s != nil {
		if len(r.timers) > 0 {
			ids = append(ids, TimerG)
		}
		id := s.PickG(step, ids, def.id, fromCand)
		if id == TimerG && len(r.timers) > 0 {
			r.fireChosen(step, fromCand)
			return nil
		}
		for _, g := range cands {
			if g.id == id {
				chosen = g
			}
		}
	}
	if chosen != def {
		r.out.Choices = append(r.out.Choices, Choice{Step: step, N: chosen.id})
	}
	p := chosen.pend
	if p.chanOp && !p.completed {
		r.performChan(step, chosen, p)
	}
	if r.cfg.Trace {
		op := p.op
		if p.chanOp && len(p.cases) > 1 || p.hasDefault {
			op = fmt.Sprintf("%s → case %d", p.op, p.chosen)
			if p.chosen < 0 {
				op = p.op + " → default"
			}
		}
		r.out.Trace = append(r.out.Trace, Event{
			G: chosen.id, Pos: position(p.pcs), Op: op, Value: p.value,
			Preempt: fromCand && chosen != from, Time: r.now,
		})
	}
	r.steps++
	r.out.Steps = r.steps
	r.idleAdv = 0
	chosen.pend = nil
	r.running = chosen
	return chosen
}

// enabled evaluates g's pending operation now. Called with r.mu held.
func (r *run) enabled(g *G) bool {
	p := g.pend
	if p.completed {
		return true
	}
	if p.chanOp {
		return r.chanReady(g, p)
	}
	return p.probe == nil || p.probe()
}

// idle asks Config.Idle for goroutines and starts them; it reports whether
// it started any. Called with r.mu held; released during the call.
func (r *run) idle() bool {
	if r.cfg.Idle == nil {
		return false
	}
	r.mu.Unlock()
	id := goid() // the caller may be unmanaged (Run's starter): Now and NextTimer find the run
	idlers.Store(id, r)
	idling.Add(1)
	fs := r.cfg.Idle()
	idlers.Delete(id)
	idling.Add(-1)
	r.mu.Lock()
	if r.over {
		return false
	}
	for _, f := range fs {
		if !r.start(f, false) {
			return false
		}
	}
	return len(fs) > 0
}

// finish ends the run: records who is blocked where, unwinds every
// goroutine waiting for the token and wakes the Run caller. Called with
// r.mu held.
func (r *run) finish() {
	if r.over {
		return
	}
	r.over = true
	for _, g := range r.gs {
		if g.done || g.daemon || g.pend == nil {
			continue
		}
		if r.out.Escaped != "" && g == r.running {
			continue
		}
		r.out.Blocked = append(r.out.Blocked, Blocked{G: g.id, Pos: position(g.pend.pcs), Op: g.pend.op})
	}
	for _, g := range r.gs {
		if !g.done && g != r.running {
			g.wake <- false
		}
	}
	close(r.end)
}

// Go starts f as a managed goroutine of g's run (not a scheduling point:
// f runs at once up to its first scheduling point, see start).
func (g *G) Go(f func()) { g.goStart(f, false) }

// GoDaemon starts f as a managed helper goroutine that never keeps the run
// alive and is not listed as blocked (context propagation); f may call
// Undaemon when it starts doing the user's work.
func (g *G) GoDaemon(f func()) { g.goStart(f, true) }

func (g *G) goStart(f func(), daemon bool) {
	r := g.r
	r.mu.Lock()
	if r.over {
		r.mu.Unlock()
		go f()
		return
	}
	ok := r.start(f, daemon)
	r.mu.Unlock()
	if !ok {
		runtime.Goexit()
	}
}

// Undaemon makes a helper goroutine an ordinary one.
func (g *G) Undaemon() {
	g.r.mu.Lock()
	g.daemon = false
	g.r.mu.Unlock()
}

// Yield is a scheduling point for an operation that never blocks (an atomic
// operation, a store, Gosched...): the caller performs it when Yield returns.
func (g *G) Yield(op string) {
	p := &pending{op: op}
	if g.r.cfg.Trace {
		p.pcs = callers()
	}
	g.point(p)
}

// Block is a scheduling point for a modelled blocking operation: it returns
// when the scheduler picks g with probe() true (probe must have no side
// effect), and the caller then performs the operation before its next
// scheduling point. It returns false when the run is over: the caller then
// performs the real (blocking) operation.
func (g *G) Block(op string, probe func() bool) bool {
	return g.point(&pending{op: op, probe: probe, pcs: callers()})
}

// Tracing reports whether the run records a trace (so that the caller
// formats the value of its operation for SetValue).
func (g *G) Tracing() bool { return g.r.cfg.Trace }

// SetValue sets the value read or written by g's last step in the trace.
func (g *G) SetValue(v string) {
	r := g.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.over || len(r.out.Trace) == 0 {
		return
	}
	for i := len(r.out.Trace) - 1; i >= 0; i-- {
		if r.out.Trace[i].G == g.id {
			r.out.Trace[i].Value = v
			return
		}
	}
}

// fingerprint identifies a read-only observation: operation, variable,
// value seen.
type fingerprint struct {
	op   string
	addr uintptr
	val  uint64
}

// progress records that g's last step may have changed shared state (it
// was not a read-only observation; nil: virtual time moved): the other
// goroutines' spinning streaks end and the parked ones may run again.
// Called with r.mu held.
func (r *run) progress(g *G) {
	for _, h := range r.gs {
		if h != g {
			h.parked = false
			h.streak = h.streak[:0]
		}
	}
}

// Observe records that g's last step only read (an atomic load, a failed
// compare-and-swap or TryLock, Gosched, a select that took its default).
//
// The spinning rule: a goroutine that repeats an observation (same
// operation, same variable, same value) within one streak of its own
// read-only steps, while no other goroutine took a step that was not
// read-only, can make no progress until one does: it is parked (not a
// candidate) until another goroutine takes a step that may write (any step
// but a read-only one, or its exit) or virtual time moves, and the strategy
// demotes it (PCT gives it the lowest priority). Read-only steps of other
// spinners do not unpark it, so several spinners all end up parked. When
// only parked goroutines can run, and neither Idle nor a timer gives
// anything else, they run (a real livelock then ends at MaxSteps).
func (g *G) Observe(op string, addr uintptr, val uint64) {
	r := g.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.over {
		return
	}
	fp := fingerprint{op, addr, val}
	g.lastRO = true
	if slices.Contains(g.streak, fp) {
		g.parked = true
		g.streak = g.streak[:0]
		if r.cfg.Strategy != nil {
			r.cfg.Strategy.Demote(g.id)
		}
		return
	}
	if len(g.streak) < 32 {
		g.streak = append(g.streak, fp)
	}
}

// ---- virtual time ----

// Timer is a virtual timer of a run.
type Timer struct {
	r    *run
	when time.Duration
	seq  int
	idx  int // index in the heap, -1 when not pending
	fire func(now time.Time, spawn func(func()))
}

type timerHeap []*Timer

// Len implements heap.Interface.
func (h timerHeap) Len() int { return len(h) }

// Less implements heap.Interface.
func (h timerHeap) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].seq < h[j].seq
}

// Swap implements heap.Interface.
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].idx = i; h[j].idx = j }

// Push implements heap.Interface.
func (h *timerHeap) Push(x any) { t := x.(*Timer); t.idx = len(*h); *h = append(*h, t) }

// Pop implements heap.Interface.
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}

// idlers maps the goroutine id of a goroutine calling Config.Idle to its
// run, for Now and NextTimer; idling counts them, so that other callers
// need not read their goroutine id.
var (
	idlers sync.Map // int64 -> *run
	idling atomic.Int32
)

// current returns the run the calling goroutine belongs to: a managed
// goroutine's, or the run whose Config.Idle it is calling; nil otherwise.
func current() *run {
	if active.Load() == 0 {
		return nil
	}
	if g := Me(); g != nil {
		return g.r
	}
	if idling.Load() == 0 {
		return nil
	}
	if v, ok := idlers.Load(goid()); ok {
		return v.(*run)
	}
	return nil
}

// Now returns the virtual time of the caller's run (see current); ok
// false when the caller belongs to none.
func Now() (t time.Time, ok bool) {
	r := current()
	if r == nil {
		return time.Time{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return Epoch.Add(r.now), true
}

// NextTimer returns the virtual time of the earliest pending timer of the
// caller's run (see current); ok false when none is pending or the caller
// belongs to no run.
func NextTimer() (t time.Time, ok bool) {
	r := current()
	if r == nil {
		return time.Time{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.timers) == 0 {
		return time.Time{}, false
	}
	return Epoch.Add(r.timers[0].when), true
}

// Now is the virtual time of g's run.
func (g *G) Now() time.Time {
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	return Epoch.Add(g.r.now)
}

// Elapsed is the virtual time since the run began.
func (g *G) Elapsed() time.Duration {
	g.r.mu.Lock()
	defer g.r.mu.Unlock()
	return g.r.now
}

// NewTimer starts a virtual timer that calls fire (inside the scheduler,
// which must not block: a non-blocking send, or spawn to start a managed
// goroutine) when virtual time reaches now+d.
func (g *G) NewTimer(d time.Duration, fire func(now time.Time, spawn func(func()))) *Timer {
	r := g.r
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &Timer{r: r, idx: -1, fire: fire}
	r.addTimer(t, d)
	return t
}

func (r *run) addTimer(t *Timer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t.when = r.now + d
	t.seq = r.tseq
	r.tseq++
	heap.Push(&r.timers, t)
}

// Stop stops t; it reports whether t was pending.
func (t *Timer) Stop() bool {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	if t.idx < 0 {
		return false
	}
	heap.Remove(&t.r.timers, t.idx)
	return true
}

// Reset makes t fire d after the current virtual time; it reports whether
// t was pending.
func (t *Timer) Reset(d time.Duration) bool {
	t.r.mu.Lock()
	defer t.r.mu.Unlock()
	was := t.idx >= 0
	if was {
		heap.Remove(&t.r.timers, t.idx)
	}
	t.r.addTimer(t, d)
	return was
}

// Sleep blocks g until virtual time has advanced by d.
func (g *G) Sleep(d time.Duration) {
	if d <= 0 {
		g.Yield("time.Sleep")
		return
	}
	r := g.r
	r.mu.Lock()
	t := &Timer{r: r, idx: -1}
	r.addTimer(t, d)
	when := t.when
	r.mu.Unlock()
	g.Block("time.Sleep", func() bool { return r.now >= when })
}

// fireDue fires the timers whose time has come. Called with r.mu held.
func (r *run) fireDue() {
	for len(r.timers) > 0 && r.timers[0].when <= r.now {
		t := heap.Pop(&r.timers).(*Timer)
		if t.fire != nil {
			t.fire(Epoch.Add(r.now), func(f func()) { r.spawns = append(r.spawns, spawnReq{f: f}) })
		}
	}
}

// fireChosen performs the timer choice at step: virtual time advances to
// the earliest pending timer (never backwards: every timer due now has
// fired already) and the timers due then fire. It is a step of its own, by
// the pseudo-goroutine TimerG, recorded as a choice (it is never the
// default rule's). Called with r.mu held.
func (r *run) fireChosen(step int, preempt bool) {
	r.out.Choices = append(r.out.Choices, Choice{Step: step, N: TimerG})
	if w := r.timers[0].when; w > r.now {
		r.now = w
	}
	if r.cfg.Trace {
		r.out.Trace = append(r.out.Trace, Event{
			G: TimerG, Pos: "", Op: "virtual time advances to the next timer, which fires",
			Preempt: preempt, Time: r.now,
		})
	}
	r.steps++
	r.out.Steps = r.steps
	r.idleAdv = 0
	r.progress(nil)
	r.fireDue()
}

// maxIdleAdvances bounds the advances of virtual time without a step in
// between (a ticker nobody receives from): past it, nothing can run.
const maxIdleAdvances = 10000

// advance moves virtual time to the earliest timer; it reports whether
// there was one. Called with r.mu held.
func (r *run) advance() bool {
	if len(r.timers) == 0 || r.idleAdv >= maxIdleAdvances {
		return false
	}
	r.idleAdv++
	if w := r.timers[0].when; w > r.now {
		r.now = w
	}
	r.progress(nil)
	r.fireDue()
	return true
}

// ---- helpers ----

func sortInts(s []int) { sort.Ints(s) }

// Rearm re-adds t, d after the current virtual time, from its fire
// function (inside the scheduler, r.mu held).
func (t *Timer) Rearm(d time.Duration) { t.r.addTimer(t, d) }
