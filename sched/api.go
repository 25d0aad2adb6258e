package sched

import (
	"errors"
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// controlledBuild is set to true by a generated file that `lockcheck test`
// adds to this package's directory in an instrumented build.
var controlledBuild bool

// Enabled reports whether this binary was built by `lockcheck test`, with
// its packages under test instrumented to call this package.
func Enabled() bool { return controlledBuild }

// Go is a go statement: inside a run, called from a managed goroutine, it
// starts f as a new managed goroutine (the next id), which runs at once up
// to its first scheduling point (the code before it is local, so this loses
// no interleaving; starting is not a step); otherwise it is a plain
// `go f()`.
func Go(f func()) {
	if g := core.Me(); g != nil {
		g.Go(f)
		return
	}
	go f()
}

// Gosched is runtime.Gosched: a scheduling point that counts as a
// read-only step for the spinning rule (see Run). Outside a run it calls
// runtime.Gosched.
func Gosched() {
	if g := core.Me(); g != nil {
		g.Yield("runtime.Gosched")
		g.Observe("runtime.Gosched", 0, 0)
		return
	}
	goschedReal()
}

// Send is `ch <- v`: in a run, a scheduling point that blocks (modelled)
// until the send can proceed.
func Send[T any](ch chan<- T, v T) {
	if g := core.Me(); g != nil {
		core.Select(g, "chan send", false, core.OnSend(ch, v))
		return
	}
	ch <- v
}

// Recv is `<-ch`: in a run, a scheduling point that blocks (modelled) until
// a value or the channel's closing can be received.
func Recv[T any](ch <-chan T) T {
	if g := core.Me(); g != nil {
		c := core.OnRecv(ch)
		core.Select(g, "chan receive", false, c)
		return c.V
	}
	return <-ch
}

// Recv2 is `v, ok := <-ch` (Recv, with ok false when ch is closed and
// drained).
func Recv2[T any](ch <-chan T) (T, bool) {
	if g := core.Me(); g != nil {
		c := core.OnRecv(ch)
		core.Select(g, "chan receive", false, c)
		return c.V, c.OK
	}
	v, ok := <-ch
	return v, ok
}

// Close is `close(ch)`: in a run, a scheduling point; the goroutines
// waiting on ch then see it closed. It panics as close does.
func Close[T any](ch chan<- T) {
	if g := core.Me(); g != nil {
		g.Yield("chan close")
	}
	close(ch)
}

// Range is `for v := range ch`: it yields the values received from ch
// (each receive as Recv2) until ch is closed.
func Range[T any](ch <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, ok := Recv2(ch)
			if !ok || !yield(v) {
				return
			}
		}
	}
}

// Case is one case of a select, built by OnRecv or OnSend (sealed).
type Case = core.Case

// RecvCase is a receive case of a select; when Select chooses it, V and OK
// hold what `v, ok := <-ch` would.
type RecvCase[T any] = core.RecvCase[T]

// OnRecv builds the receive case `case v, ok := <-ch`.
func OnRecv[T any](ch <-chan T) *RecvCase[T] { return core.OnRecv(ch) }

// SendCase is a send case of a select.
type SendCase[T any] = core.SendCase[T]

// OnSend builds the send case `case ch <- v` (v is evaluated now, as Go
// evaluates send values on entry to a select).
func OnSend[T any](ch chan<- T, v T) *SendCase[T] { return core.OnSend(ch, v) }

// Select is a select statement over cases (in source order): it returns
// the index of the case that proceeded, or -1 for the default. Without a
// default it blocks until a case can proceed; a nil channel's case never
// proceeds; Select(false) blocks forever. In a run, when several cases can
// proceed, which one does is a choice of the Strategy (the default rule:
// the first); outside a run it is the real select (reflect.Select).
func Select(hasDefault bool, cases ...Case) int {
	op := "select"
	if len(cases) == 0 && !hasDefault {
		op = "select (no cases)"
	}
	return core.Select(core.Me(), op, hasDefault, cases...)
}

var registry struct {
	sync.Mutex
	pkgs map[string][]string
}

// Register records that the package pkgPath is instrumented, with the
// problems the instrumenter found in it (things the scheduler cannot
// control, as "file.go:12: uses cgo"). The generated init of each
// instrumented package calls it.
func Register(pkgPath string, problems ...string) {
	registry.Lock()
	defer registry.Unlock()
	if registry.pkgs == nil {
		registry.pkgs = map[string][]string{}
	}
	registry.pkgs[pkgPath] = append(registry.pkgs[pkgPath], problems...)
}

// Registered reports whether pkgPath is instrumented in this binary, and
// the problems found in it (a copy). ok is false for a package that was not
// registered; a registered package with problems must be tested in stress
// mode.
func Registered(pkgPath string) (ok bool, problems []string) {
	registry.Lock()
	defer registry.Unlock()
	p, ok := registry.pkgs[pkgPath]
	return ok, append([]string(nil), p...)
}

// Strategy chooses the goroutine that runs at each scheduling point, and
// the case of a select when several can proceed (sealed: PCT, Random or
// Replay). A Strategy value may be reused for many runs: run i of a PCT or
// Random value draws from the stream (seed, i), and PCT adapts its estimate
// of a run's length to the runs it has seen; a fresh value with the same
// seed makes the same choices again.
type Strategy interface{ strategy() core.Strategy }

type strategy struct{ s core.Strategy }

func (s strategy) strategy() core.Strategy { return s.s }

// PCT is probabilistic concurrency testing (Burckhardt et al., ASPLOS
// 2010) with depth d >= 1 (smaller counts as 1): random priorities, d−1
// priority change points over an estimate k of the run's length (the
// longest run this value has seen; 64 before the first), the highest
// priority enabled goroutine runs. A bug of depth d is found with
// probability at least 1/(n·k^(d−1)) per run. The timer choice is a
// pseudo-goroutine with a priority of its own, which drops just below the
// goroutine it preempted each time it is taken (so a ticker does not
// starve the goroutines).
func PCT(seed uint64, depth int) Strategy { return strategy{core.NewPCT(seed, depth, 0)} }

// PCTWithLength is PCT with the estimate k of the run's length in steps
// given, typically the Steps of an earlier run of the same goroutines
// (PCT's change points are drawn in [0, k): an estimate far from the real
// length wastes them). It adapts as PCT does when reused.
func PCTWithLength(seed uint64, depth, k int) Strategy {
	return strategy{core.NewPCT(seed, depth, k)}
}

// Random is the uniform random walk: at each point each enabled goroutine
// (and the timer choice, when a timer is pending, as one more goroutine;
// and each ready select case) is equally likely.
func Random(seed uint64) Strategy { return strategy{core.NewRandom(seed)} }

// Replay forces the choices recorded in s (see Schedule): a run with it
// makes the same choices as the run that recorded s, given the same
// goroutines.
func Replay(s Schedule) Strategy { return strategy{core.NewReplay(s.c)} }

// Schedule is what a run chose, as the list of its choices that differ from
// the default rule. At every scheduling point without a recorded choice the
// default rule applies: keep running the current goroutine if it can run
// (a parked spinner cannot, see Run), else the lowest-numbered goroutine
// that can run; at a select, the first case that can proceed. A recorded
// choice that is not possible at its step (the goroutine cannot run, the
// case cannot proceed) is ignored, so every edited schedule is valid.
//
// A choice is either a preemption (step, goroutine) — including a switch
// to another goroutine than the lowest when the current one cannot run —
// or a timer choice (step): at that step virtual time advances to the
// earliest pending timer, which fires, although goroutines could run (a
// step of its own, by the pseudo-goroutine TimerG; ignored if no timer is
// pending then); or a select choice (step, case).
type Schedule struct{ c []core.Choice }

// TimerG is the pseudo-goroutine of a timer choice: the G of its Event in
// a trace (see Schedule).
const TimerG = core.TimerG

// Preemptions is the number of choices of s that differ from the default
// rule (what Minimize reduces).
func (s Schedule) Preemptions() int { return len(s.c) }

// String is the text form of s, URL- and shell-safe: "v1" followed by
// "-STEPgG" for a goroutine choice, "-STEPt" for a timer choice and
// "-STEPcI" for a select case choice, e.g. "v1-3g1-5t-9c0". ParseSchedule
// reads it back (the timer choice is a later addition to the format: text
// without it reads as it always did).
func (s Schedule) String() string {
	var b strings.Builder
	b.WriteString("v1")
	for _, c := range s.c {
		switch {
		case c.Case:
			fmt.Fprintf(&b, "-%dc%d", c.Step, c.N)
		case c.N == core.TimerG:
			fmt.Fprintf(&b, "-%dt", c.Step)
		default:
			fmt.Fprintf(&b, "-%dg%d", c.Step, c.N)
		}
	}
	return b.String()
}

// ErrSchedule is the error (wrapped, with the offending part) of
// ParseSchedule for text that is not a schedule.
var ErrSchedule = errors.New("sched: malformed schedule")

// ParseSchedule reads the text form written by Schedule.String.
func ParseSchedule(text string) (Schedule, error) {
	parts := strings.Split(text, "-")
	if parts[0] != "v1" {
		return Schedule{}, fmt.Errorf("%w %q: it must begin with v1", ErrSchedule, text)
	}
	var s Schedule
	for _, p := range parts[1:] {
		if step, ok := strings.CutSuffix(p, "t"); ok {
			n, err := strconv.ParseUint(step, 10, 31)
			if err != nil || step != strconv.FormatUint(n, 10) {
				return Schedule{}, fmt.Errorf("%w %q: bad choice %q", ErrSchedule, text, p)
			}
			s.c = append(s.c, core.Choice{Step: int(n), N: core.TimerG})
			continue
		}
		i := strings.IndexAny(p, "gc")
		if i <= 0 || i == len(p)-1 {
			return Schedule{}, fmt.Errorf("%w %q: bad choice %q", ErrSchedule, text, p)
		}
		step, err1 := strconv.ParseUint(p[:i], 10, 31)
		n, err2 := strconv.ParseUint(p[i+1:], 10, 31)
		if err1 != nil || err2 != nil || p[:i] != strconv.FormatUint(step, 10) || p[i+1:] != strconv.FormatUint(n, 10) {
			return Schedule{}, fmt.Errorf("%w %q: bad choice %q", ErrSchedule, text, p)
		}
		s.c = append(s.c, core.Choice{Step: int(step), Case: p[i] == 'c', N: int(n)})
	}
	return s, nil
}

// Options configure Run.
type Options struct {
	// Strategy chooses at each scheduling point; nil: the default rule only
	// (no preemptions).
	Strategy Strategy
	// MaxSteps bounds the run (0: 100000); reaching it ends the run with
	// Result.StepLimit.
	MaxSteps int
	// Trace records Result.Trace.
	Trace bool
	// Idle is called when no managed goroutine can run; the goroutines it
	// returns start (ids continue after the last). Returning none lets
	// virtual time advance to the next timer, or, with no timer, ends the
	// run. It must not call this package's functions, except NextTimer
	// and sched/time's Now (the run's virtual time).
	Idle func() []func()
	// Escape bounds the wall time a goroutine may take to reach its next
	// scheduling point (0: 10s); past it the run ends with Result.Escaped.
	Escape time.Duration
}

// Result is how a run ended.
type Result struct {
	Steps     int       // scheduling points decided
	Schedule  Schedule  // the choices made: Replay(Schedule) makes them again
	Deadlock  bool      // ended with managed goroutines blocked and nothing to run
	Blocked   []Blocked // who was blocked where when the run ended (by goroutine)
	StepLimit bool      // ended at Options.MaxSteps
	Escaped   string    // non-empty: a goroutine left the scheduler's control (what and where, with its stack)
	Trace     []Event   // with Options.Trace: one event per step
}

// Blocked is a goroutine blocked when a run ended: its id, the call site of
// the blocking operation ("file.go:123", the first frame outside package
// sched and its subpackages) and the operation.
type Blocked struct {
	G       int
	Pos, Op string
}

// Event is one step of a run: goroutine G performed operation Op at Pos.
type Event struct {
	G       int           // goroutine
	Pos     string        // file.go:123 of the operation in the instrumented source
	Op      string        // e.g. "atomic.CompareAndSwapInt32", "chan send", "sync.Mutex.Lock"
	Value   string        // value read or written / result, e.g. "0 → 1 (true)"
	Preempt bool          // the step began with a preemption (a switch away from a goroutine that could have continued)
	Time    time.Duration // virtual time since the run began
}

// Run runs gs as managed goroutines 0..len(gs)-1, one at a time: at each
// scheduling point (each operation of this package and of its replacement
// packages) the running goroutine asks the Strategy which goroutine runs
// next among those enabled. Blocking is modelled: a blocked goroutine is
// not enabled until its operation can proceed. Virtual time (sched/time)
// begins at the same instant every run and advances to the earliest
// pending timer when nothing can run and Options.Idle started nothing, or,
// at any scheduling point with a timer pending, when the Strategy makes the
// timer choice (see Schedule): so the races between a timer and the other
// goroutines' steps are explored, while the default rule lets time advance
// only when nothing can run. It never goes backwards.
//
// Run returns when every managed goroutine is done; or when nothing can
// run, Idle starts nothing and no timer is pending (Deadlock, with
// Blocked); or at MaxSteps (StepLimit); or when a goroutine does not reach
// its next scheduling point within Options.Escape (Escaped). Goroutines left
// blocked are unwound with runtime.Goexit (their deferred calls then run
// as unmanaged code, performing real operations).
//
// Spinning: a goroutine that repeats the same read-only observation (the
// same atomic load or failed compare-and-swap seeing the same value, a
// failed TryLock, Gosched, a select taking its default) within a streak of
// its own read-only steps, while no other goroutine took a step that may
// write, is parked until one does (or virtual time moves), and PCT gives
// it the lowest priority. Read-only steps of other spinners do not unpark
// it, so goroutines that all wait for something else end up all parked:
// then Idle is called and timers advance as if they were blocked, and only
// if that gives nothing do they run again (a real livelock then ends at
// MaxSteps).
//
// Given the same functions and a Strategy with the same seed (or a
// Replay), Run makes the same choices, so returns the same Result.
// Run must not be called from a managed goroutine.
func Run(opts Options, gs ...func()) *Result {
	cfg := core.Config{MaxSteps: opts.MaxSteps, Trace: opts.Trace, Idle: opts.Idle, Escape: opts.Escape}
	if opts.Strategy != nil {
		cfg.Strategy = opts.Strategy.strategy()
	}
	o := core.Run(cfg, gs...)
	res := &Result{
		Steps: o.Steps, Schedule: Schedule{o.Choices}, Deadlock: o.Deadlock,
		StepLimit: o.StepLimit, Escaped: o.Escaped,
	}
	for _, b := range o.Blocked {
		res.Blocked = append(res.Blocked, Blocked(b))
	}
	for _, e := range o.Trace {
		res.Trace = append(res.Trace, Event(e))
	}
	return res
}

// Minimize returns a schedule with as few choices as delta debugging
// (ddmin, Zeller 2002) finds over the choices of s, such that fails still
// reports a failure; fails runs the test with Replay(schedule) and must be
// deterministic. The result is 1-minimal: removing any one of its choices
// makes fails report no failure. If fails(s) is false, s is returned.
func Minimize(s Schedule, fails func(Schedule) bool) Schedule {
	cur := s.c
	if !fails(s) {
		return s
	}
	try := func(c []core.Choice) bool { return fails(Schedule{c}) }
	if len(cur) > 0 && try(nil) {
		return Schedule{}
	}
	n := 2
	for len(cur) >= 2 {
		chunks := split(cur, n)
		reduced := false
		for _, c := range chunks {
			if try(c) {
				cur, n, reduced = c, 2, true
				break
			}
		}
		if !reduced {
			for i := range chunks {
				comp := complement(chunks, i)
				if try(comp) {
					cur, reduced = comp, true
					n = max(n-1, 2)
					break
				}
			}
		}
		if !reduced {
			if n >= len(cur) {
				break
			}
			n = min(2*n, len(cur))
		}
	}
	return Schedule{cur}
}

func split(c []core.Choice, n int) [][]core.Choice {
	var out [][]core.Choice
	for i := 0; i < n; i++ {
		lo, hi := i*len(c)/n, (i+1)*len(c)/n
		if hi > lo {
			out = append(out, c[lo:hi:hi])
		}
	}
	return out
}

func complement(chunks [][]core.Choice, skip int) []core.Choice {
	var out []core.Choice
	for i, c := range chunks {
		if i != skip {
			out = append(out, c...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out
}

// NextTimer returns the virtual time of the earliest pending timer of the
// run in progress, called from one of its managed goroutines or from its
// Options.Idle (which may use it to tell what virtual time can still bring
// before a deadline: nothing can happen before the time it returns unless
// Idle starts a goroutine). ok is false when no timer is pending, or when
// the caller belongs to no run.
func NextTimer() (t time.Time, ok bool) { return core.NextTimer() }

// Current returns the id of the calling goroutine in the run in progress,
// ok false when the caller is not a managed goroutine.
func Current() (g int, ok bool) {
	if me := core.Me(); me != nil {
		return me.ID(), true
	}
	return 0, false
}
