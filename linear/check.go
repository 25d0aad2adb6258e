package linear

import (
	"cmp"
	"errors"
	"io"
	"math"
	"slices"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// Result is the outcome of Check, CheckReader or Sweep.End.
type Result struct {
	Verdict history.Verdict
	// Operations and Clients count the history's operations and clients.
	Operations, Clients int
	// Failing is the operation whose event the sweep could not get past:
	// no linearization of the history up to that event exists. Nil when
	// the history is linearizable.
	Failing *Failing
	// Window is a short part of the history around the failure that is not
	// linearizable on its own (nil when linearizable, or when the events
	// needed were no longer kept).
	Window *Window
	// MaxConfigurations is the largest number of configurations the sweep
	// held at once; MaxRunning the largest number of operations it kept.
	MaxConfigurations, MaxRunning int
}

// Failing is the operation at which a violation was found.
type Failing struct {
	Op history.Op
	// Index is the operation's index in the history (the order of
	// invocations for CheckReader), or -1 when the failure is the end of
	// the history.
	Index int
	// Time is the time of the event at which the sweep failed (the line,
	// for CheckReader).
	Time int64
	// States is what the operation found: the union of the lock's
	// possible states just before that event.
	States model.State
}

// Window is a part of a history that is not linearizable by itself, so that
// the whole history is not either. It starts at an invocation and ends at
// the failing event. Operations running when it starts are in it as
// invoked at its start, with an unknown outcome (they may or may not have
// taken effect already); operations still running at its end have an
// unknown outcome too. It starts in the States the sweep had at its start.
// Both relaxations only allow more linearizations, which is why the
// window's verdict carries over to the history.
type Window struct {
	Ops []history.Op
	// Index[i] is the index in the checked history of Ops[i] (for
	// CheckReader, the index of its invocation among all invocations).
	Index []int
	// Failing is the index in Ops of the failing operation, or -1.
	Failing int
	// Init is the State the window starts in.
	Init model.State
	// From and To are the times of its first and last events.
	From, To int64
	// Confirmed reports that porcupine, run on the window from Init,
	// found it not linearizable too. False if porcupine timed out.
	Confirmed bool
}

// Options tune Check, CheckReader and Sweep.
type Options struct {
	// Keep bounds the events kept for the counterexample window
	// (CheckReader and NewSweep; 0 means DefaultKeep, negative means all).
	Keep int
	// Timeout bounds the sweep (0: none); when it runs out the verdict is
	// history.Unknown.
	Timeout time.Duration
	// NoWindow skips the search for a window (and porcupine's
	// confirmation).
	NoWindow bool
	// ConfirmTimeout bounds porcupine's check of the window (0: 2s).
	ConfirmTimeout time.Duration
	// Lookahead is how many events CheckReader reads ahead (0 means
	// DefaultLookahead).
	Lookahead int
}

// DefaultLookahead is the number of events CheckReader reads ahead.
const DefaultLookahead = 1 << 16

// DefaultKeep is the number of recent events CheckReader keeps for the
// counterexample window.
const DefaultKeep = 1 << 16

// evType is the type of a logged event.
type evType uint8

const (
	evCall evType = iota
	evReturn
	evInfo
	evEnd
)

// logEvent is a kept event: the operation's static description travels with
// it so that a window can be rebuilt from kept events alone.
type logEvent struct {
	typ    evType
	id     int64
	index  int
	time   int64
	op     history.Op // Call set; Output/Return set on returns
	states model.State
	ahead  uint32 // classes placed ahead in some configuration, before the event
	known  bool   // on a call: the outcome was announced, in op.Output
	single bool   // one configuration, nothing placed ahead, before the event
	at     int    // the event's number, from 0
}

// Sweep runs the Checker over a stream of events, counting, timing, and
// keeping what a counterexample window needs: the last Options.Keep events
// and the operations still running.
type Sweep struct {
	chk      *Checker
	opts     Options
	log      []logEvent // the kept events; log[0] is event number base
	base     int
	running  map[int64]logEvent // operations running, by id, as their call event
	pending  map[int64]logEvent // operations with an unknown outcome, by id
	calls    int
	clients  int
	maxRun   int
	deadline time.Time
	timedOut bool
	failAt   int // index (event number) of the failing event, or -1
	failEv   logEvent
	events   int
}

// NewSweep returns a Sweep for a history starting in init (0: unlocked).
func NewSweep(init model.State, opts Options) *Sweep {
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	w := &Sweep{chk: New(init), opts: opts, running: map[int64]logEvent{}, pending: map[int64]logEvent{}, failAt: -1}
	if opts.Timeout > 0 {
		w.deadline = time.Now().Add(opts.Timeout)
	}
	return w
}

// ErrTimeout is what Sweep's methods return once Options.Timeout has run
// out.
var ErrTimeout = errors.New("linear: checker timed out")

// ErrOwned is returned by CheckReader for the file of an owned or reentrant
// lock (its header line says so): this checker knows the unowned model
// only; check such a history with history.CheckOf.
var ErrOwned = errors.New("linear: the history is of an owned lock; check it with history.CheckOf")

func (w *Sweep) record(e logEvent) logEvent {
	e.at = w.events
	e.states, e.ahead = w.chk.States(), w.chk.aheadClasses()
	e.single = len(w.chk.configs) == 1 && e.ahead == 0
	if w.opts.Keep > 0 && len(w.log) >= 2*w.opts.Keep {
		n := copy(w.log, w.log[len(w.log)-w.opts.Keep:])
		w.log = w.log[:n]
		w.base = w.events - n
	}
	w.log = append(w.log, e)
	w.events++
	return e
}

func (w *Sweep) tick() error {
	if w.timedOut {
		return ErrTimeout
	}
	if !w.deadline.IsZero() && w.events&4095 == 0 && time.Now().After(w.deadline) {
		w.timedOut = true
		return ErrTimeout
	}
	return nil
}

// Call records the invocation of op (its Call is the event's time), with a
// caller-chosen id unique among running operations.
func (w *Sweep) Call(id int64, op history.Op) error { return w.call(id, w.calls, op, nil) }

// CallKnown is Call for an operation whose outcome out is known in advance
// (see Checker.CallKnown).
func (w *Sweep) CallKnown(id int64, op history.Op, out model.Output) error {
	return w.call(id, w.calls, op, &out)
}

func (w *Sweep) call(id int64, index int, op history.Op, out *model.Output) error {
	if err := w.tick(); err != nil {
		return err
	}
	w.calls++
	w.clients = max(w.clients, op.Client+1)
	if w.failAt >= 0 {
		return nil // decided: only count
	}
	e := logEvent{typ: evCall, id: id, index: index, time: op.Call, op: op}
	e.op.Output, e.op.Return = model.Output{Pending: true}, history.Never
	if out != nil {
		e.known, e.op.Output = true, *out
	}
	var err error
	if out != nil {
		err = w.chk.CallKnown(id, op.Input, *out)
	} else {
		err = w.chk.Call(id, op.Input)
	}
	if err != nil {
		return err
	}
	w.running[id] = w.record(e)
	w.maxRun = max(w.maxRun, w.chk.Running())
	return nil
}

// Return records the completion of operation id at time t with outcome out
// (Pending for "info").
func (w *Sweep) Return(id int64, t int64, out model.Output) error {
	if err := w.tick(); err != nil {
		return err
	}
	if w.failAt >= 0 {
		return nil // decided: the operations running at the failure stay as they were
	}
	c, ok := w.running[id]
	if !ok {
		return ErrUnknownOp
	}
	e := c
	e.typ, e.time = evReturn, t
	e.op.Output, e.op.Return = out, t
	if out.Pending {
		e.typ = evInfo
	}
	failed := w.chk.Failed() != nil
	e = w.record(e)
	if err := w.chk.Return(id, out); err != nil {
		return err
	}
	delete(w.running, id)
	if out.Pending {
		w.pending[id] = e
	}
	if !failed && w.chk.Failed() != nil {
		w.failAt, w.failEv = w.events-1, e
	}
	return nil
}

// End ends the history and returns the verdict, with the failing operation
// and a window for a violation.
func (w *Sweep) End() Result {
	r := Result{Operations: w.calls, Clients: w.clients, MaxRunning: w.maxRun}
	if w.timedOut {
		r.Verdict = history.Unknown
		_, r.MaxConfigurations = w.chk.Configurations()
		return r
	}
	failed := w.failAt >= 0
	if !failed {
		w.record(logEvent{typ: evEnd, index: -1, time: math.MaxInt64})
	}
	w.chk.End()
	if !failed && w.chk.Failed() != nil {
		w.failAt, w.failEv = w.events-1, w.log[len(w.log)-1]
	}
	_, r.MaxConfigurations = w.chk.Configurations()
	f := w.chk.Failed()
	if f == nil {
		r.Verdict = history.Linearizable
		return r
	}
	r.Verdict = history.NotLinearizable
	r.Failing = &Failing{Op: w.failEv.op, Index: w.failEv.index, Time: w.failEv.time, States: f.States}
	if !w.opts.NoWindow {
		r.Window = w.window()
	}
	return r
}

// CheckReader decides a history file (the format of history.Read) in one
// pass. It reads up to Options.Lookahead events ahead of the event it
// checks, to learn the outcome of an operation at its invocation (an
// operation whose completion is further ahead is checked with its outcome
// unknown, which is exact but costs more configurations), and keeps the
// running operations and the last Options.Keep events: memory is bounded
// by these, not by the file's length. A malformed file is reported as
// history.Read reports it, with no Result; a file of an owned lock with
// ErrOwned.
func CheckReader(rd io.Reader, opts Options) (Result, error) {
	look := opts.Lookahead
	if look <= 0 {
		look = DefaultLookahead
	}
	dec := history.NewDecoder(rd)
	w := NewSweep(model.StateUnlocked, opts)
	var queue []history.Event // read, not yet checked
	head := 0
	outcome := map[int]model.Output{} // invocation line → outcome, for completions read
	eof := false
	fill := func() error {
		for !eof && len(queue)-head < look {
			e, err := dec.Next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return err
			}
			if dec.Meta().Lock != model.Unowned {
				return ErrOwned
			}
			if e.Type != history.Invoke {
				outcome[e.Call] = e.Output
			}
			if head > look && head*2 > len(queue) {
				queue = queue[:copy(queue, queue[head:])]
				head = 0
			}
			queue = append(queue, e)
		}
		return nil
	}
	for {
		if err := fill(); err != nil {
			return Result{}, err
		}
		if head == len(queue) {
			return w.End(), nil
		}
		e := queue[head]
		head++
		var err error
		switch e.Type {
		case history.Invoke:
			op := history.Op{Client: e.Process, Input: e.Input, Call: int64(e.Line), Note: e.Note}
			if out, ok := outcome[e.Line]; ok {
				err = w.CallKnown(int64(e.Line), op, out)
			} else if eof {
				err = w.CallKnown(int64(e.Line), op, model.Output{Pending: true}) // never completes
			} else {
				err = w.Call(int64(e.Line), op)
			}
		default:
			delete(outcome, e.Call)
			err = w.Return(int64(e.Call), int64(e.Line), e.Output)
		}
		if errors.Is(err, ErrTimeout) {
			return w.End(), nil
		}
		if err != nil {
			return Result{}, err // cannot happen: the decoder checks pairing
		}
	}
}

// Check decides whether h is linearizable with respect to model.Model,
// with the verdict porcupine gives for history.Operations(h): operations
// with Output.Pending (or that never returned) may take effect at any time
// after their call, or not at all. An operation that returns before it is
// called (Return < Call) cannot be linearized.
func Check(h []history.Op, opts Options) Result {
	return CheckFrom(model.StateUnlocked, h, opts)
}

// CheckFrom is Check for a history that starts in the States init.
func CheckFrom(init model.State, h []history.Op, opts Options) Result {
	r, _ := checkFrom(init, h, opts, -1)
	return r
}

// checkFrom is CheckFrom; with limit >= 0 it stops after that many events
// and returns no verdict but the Sweep (for tests of windows).
func checkFrom(init model.State, h []history.Op, opts Options, limit int) (Result, *Sweep) {
	opts.Keep = -1
	type ev struct {
		t   int64
		ret bool
		op  int
	}
	evs := make([]ev, 0, 2*len(h))
	var late []int // definite outcome, never returned: returns after everything
	for i, op := range h {
		evs = append(evs, ev{op.Call, false, i})
		switch {
		case op.Output.Pending && (op.Return == history.Never || op.Return < op.Call):
			// porcupine ignores the return of an unknown outcome
		case op.Return != history.Never:
			evs = append(evs, ev{op.Return, true, i})
		case !op.Output.Pending:
			late = append(late, i)
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		if a.ret != b.ret { // calls first, as porcupine
			if a.ret {
				return 1
			}
			return -1
		}
		return 0
	})
	w := NewSweep(init, opts)
	called := make([]bool, len(h))
	var inverted *history.Op
	invIndex, invTime := -1, int64(0)
	for k, e := range evs {
		if k == limit {
			return Result{}, w
		}
		var err error
		op := h[e.op]
		if !e.ret {
			called[e.op] = true
			err = w.call(int64(e.op), e.op, op, &op.Output)
		} else if !called[e.op] {
			// Returned before its call: porcupine reaches the return
			// with the operation unlinearized, so nothing linearizes.
			if inverted == nil {
				inverted, invIndex, invTime = &h[e.op], e.op, e.t
			}
			continue
		} else {
			err = w.Return(int64(e.op), e.t, op.Output)
		}
		if err != nil {
			break
		}
	}
	lateTime := int64(0) // after every event, as history.Operations puts them
	for _, e := range evs {
		lateTime = max(lateTime, e.t+1)
	}
	for _, i := range late {
		if w.Return(int64(i), lateTime, h[i].Output) != nil {
			break
		}
	}
	if inverted != nil && !w.timedOut && w.chk.Failed() == nil {
		r := w.End()
		r.Verdict = history.NotLinearizable
		r.Failing = &Failing{Op: *inverted, Index: invIndex, Time: invTime}
		r.Window = nil
		return r, w
	}
	return w.End(), w
}

// window finds a short window ending at the failing event that is not
// linearizable: it tries the invocations before the failing event, nearest
// first — one by one for the first few, then at doubling
// distances, then by bisection — and returns the first that fails.
func (w *Sweep) window() *Window {
	f := w.failAt - w.base // index in w.log of the failing event
	if f < 0 || f >= len(w.log) {
		return nil
	}
	// Candidate starts: invocations at or before the failing operation's
	// (the last candidate is the oldest kept event).
	// Starts where the sweep had a single configuration with nothing
	// placed ahead come first: there the window loses nothing to its
	// relaxations and tends to be short; the others follow.
	// A start after the failing operation's call keeps it, as invoked at
	// the start, when that is exact (see build).
	var starts, others []int // indexes in w.log, nearest first
	for i := f; i >= 0; i-- {
		e := w.log[i]
		if e.typ == evCall {
			if e.single {
				starts = append(starts, i)
			} else {
				others = append(others, i)
			}
		}
	}
	starts = append(starts, others...)
	if len(starts) == 0 {
		return nil
	}
	try := func(k int) *Window {
		win := w.build(starts[k], f)
		r := CheckFrom(win.Init, win.Ops, Options{NoWindow: true})
		if r.Verdict == history.NotLinearizable {
			return win
		}
		return nil
	}
	const linear = 32
	for k := 0; k < len(starts) && k < linear; k++ {
		if win := try(k); win != nil {
			return w.confirm(win)
		}
	}
	lo, hi := linear-1, -1 // lo: known linearizable
	for d := linear * 2; ; d *= 2 {
		k := min(d, len(starts)) - 1
		if k <= lo {
			return nil
		}
		if try(k) != nil {
			hi = k
			break
		}
		lo = k
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if try(mid) != nil {
			hi = mid
		} else {
			lo = mid
		}
	}
	return w.confirm(w.build(starts[hi], f))
}

// build makes the window from the kept event s to the failing event f.
func (w *Sweep) build(s, f int) *Window {
	first := w.log[s]
	win := &Window{Init: first.states, From: first.time, To: w.log[f].time, Failing: -1}
	if win.Init == 0 {
		win.Init = model.StateUnlocked
	}
	type entry struct {
		op    history.Op
		index int
		id    int64
	}
	byID := map[int64]int{} // id → position in ops
	var ops []entry
	add := func(e logEvent, relaxed bool) {
		op := e.op
		op.Output, op.Return = model.Output{Pending: true}, history.Never
		if relaxed {
			op.Call = first.time
		}
		byID[e.id] = len(ops)
		ops = append(ops, entry{op, e.index, e.id})
	}
	// An operation running at s is in the window as invoked at s. With its
	// real outcome if that is exact: its outcome is known, no configuration
	// at s placed an operation of its class ahead (so it takes effect after
	// s in all of them), and its step leaves no State unchanged (so it is
	// never placed back in time, before s). Otherwise with an unknown
	// outcome, which allows every effect it may have had before s; and a
	// locked() with an unknown outcome changes nothing, so it is left out.
	real := map[int64]bool{}
	outcome := func(e logEvent) (model.Output, bool) {
		for i := s; i <= f; i++ {
			if r := w.log[i]; r.id == e.id && (r.typ == evReturn || r.typ == evInfo) {
				return r.op.Output, true
			}
		}
		if e.known {
			return e.op.Output, true
		}
		return model.Output{}, false
	}
	// Running at s: called before s and not completed before s. They are
	// those completed in [s, f] with an earlier call, those still running
	// at f, and those with an unknown outcome since before s.
	seen := map[int64]bool{}
	for i := s; i <= f; i++ {
		e := w.log[i]
		if e.typ == evCall {
			seen[e.id] = true
		}
	}
	var before []logEvent
	for i := s; i <= f; i++ {
		if e := w.log[i]; (e.typ == evReturn || e.typ == evInfo) && !seen[e.id] {
			before = append(before, e)
		}
	}
	for id, e := range w.running {
		if !seen[id] { // running at f, not called in [s, f]
			before = append(before, e)
		}
	}
	for id, e := range w.pending {
		if !seen[id] && e.at < w.base+s { // "info" before s
			before = append(before, e)
		}
	}
	// A failure at a return leaves its operation out of w.running; it is
	// in the window by its call.
	slices.SortFunc(before, func(a, b logEvent) int { return cmp.Compare(a.op.Call, b.op.Call) })
	for _, e := range before {
		if _, dup := byID[e.id]; dup {
			continue
		}
		if out, ok := outcome(e); ok {
			c := classOf(e.op.Input.Kind, out)
			if !mayIdentity[c] && first.ahead&(1<<c) == 0 {
				real[e.id] = true
			}
		}
		if !real[e.id] && e.op.Input.Kind == model.Locked {
			continue
		}
		add(e, true)
	}
	for i := s; i <= f; i++ {
		e := w.log[i]
		switch e.typ {
		case evCall:
			add(e, false)
		case evReturn, evInfo:
			j, ok := byID[e.id]
			if !ok {
				continue // a locked() left out
			}
			ops[j].op.Return = e.time
			if e.typ == evReturn && (seen[e.id] || real[e.id]) {
				ops[j].op.Output = e.op.Output
			}
		}
	}
	if fe := w.log[f]; fe.typ != evEnd {
		win.Failing = byID[fe.id]
	}
	for _, e := range ops {
		win.Ops = append(win.Ops, e.op)
		win.Index = append(win.Index, e.index)
	}
	return win
}

// confirm runs porcupine on the window.
func (w *Sweep) confirm(win *Window) *Window {
	timeout := w.opts.ConfirmTimeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	win.Confirmed = Porcupine(win.Init, win.Ops, timeout) == history.NotLinearizable
	return win
}
