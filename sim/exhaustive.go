package sim

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sched"
)

// Exhaustive exploration.
//
// In controlled mode the harness can, instead of sampling scenarios and
// schedules, enumerate them: every scenario of at most N clients with at
// most M operations in all (each client at least one), in order of size
// (operations, then clients), each operation one of a fixed alphabet drawn
// from what the lock offers (see Alphabet); and, for each scenario, every
// schedule with at most k preemptions, by sched.Explore's iterative
// deepening. The clients' scripts, the harness's rescue releases and its
// final probe are those of any controlled run, and every run's history is
// checked by porcupine. Because scenarios come smallest first and each
// scenario's schedules come fewest preemptions first, the first failure is
// on a smallest failing scenario, with a schedule of fewest preemptions
// for that scenario. Virtual time makes timeouts and cancellations exact:
// a timer fires only when nothing else can run, so "short" means "after
// everything that can happen first".
//
// With no failure, the exploration states what it proved: every one of
// these schedules of every one of these scenarios passed. It proves
// nothing beyond them: a bug that needs more clients, more operations,
// more preemptions, or other timeout values than the alphabet's is not
// excluded.

// DefaultPreemptions is the preemption bound of an exhaustive exploration
// when WithExhaustive does not set one: CHESS found most concurrency bugs
// within 2.
const DefaultPreemptions = 2

// WithExhaustive sets the preemption bound of Exhaustive and ExploreLock
// (default DefaultPreemptions; negative counts as 0). By default every
// choice off the scheduler's default rule counts against the bound (see
// sched.ExploreOptions.Strict): a preemption, a switch to another
// goroutine than the default one when the running one blocks or ends, a
// select case other than the first ready one.
func WithExhaustive(preemptions int) Option {
	return func(c *config) { c.preemptions = max(0, preemptions) }
}

// WithFreeSwitches makes Exhaustive and ExploreLock count only
// preemptions proper against the bound, as CHESS does: a switch when the
// running goroutine blocks or ends, and the choice of a select case, are
// free. That covers every schedule that the default counting covers and
// many more (about ten times more for lock.Lock at bound 2), at that cost.
func WithFreeSwitches() Option { return func(c *config) { c.freeSwitches = true } }

// WithTimerRaces makes Exhaustive and ExploreLock also explore timeouts
// and context deadlines that expire while other goroutines are in the
// middle of their operations (sched.ExploreOptions.Timers): at each
// decision with a pending timer, firing it at once is an option, costing
// one preemption. Without it a timer fires only when nothing else can run,
// and races between a timeout and a release, a hand-off or a wake-up are
// not explored.
func WithTimerRaces() Option { return func(c *config) { c.timerRaces = true } }

// WithLongTimeouts adds to the steps of exhaustive scenarios (Alphabet) an
// acquire_timeout whose timeout is long (4 stuck timeouts) enough for the
// watchdog to judge a timed waiter with time left, the real-time promise
// that a timed waiter proceeds when the lock is released (see
// docs/semantics.md). It costs a letter of the alphabet (a third more
// scenarios of 3 operations), and more schedules for locks whose timed
// waiters park, so it is off by default.
func WithLongTimeouts() Option { return func(c *config) { c.longTimeouts = true } }

// ExhaustiveEnv is the environment variable that turns every Check of a
// test binary built by `lockcheck test` into an exhaustive exploration:
// LOCKCHECK_EXHAUSTIVE=N,M,k explores every scenario of at most N clients
// with at most M operations in all at preemption bound k (",k" may be
// left out: DefaultPreemptions); a trailing ",free" counts only
// preemptions proper (WithFreeSwitches), ",timers" explores timers firing
// early (WithTimerRaces). For example:
//
//	LOCKCHECK_EXHAUSTIVE=2,3,2 go run github.com/lockcheck/lockcheck/cmd/lockcheck test ./mylock/
const ExhaustiveEnv = "LOCKCHECK_EXHAUSTIVE"

// ErrExhaustiveEnv is returned (wrapped) for a malformed LOCKCHECK_EXHAUSTIVE.
var ErrExhaustiveEnv = errors.New("sim: LOCKCHECK_EXHAUSTIVE must be CLIENTS,OPERATIONS[,PREEMPTIONS[,free][,timers]], positive (preemptions >= 0)")

// exhaustiveEnv parses the value of LOCKCHECK_EXHAUSTIVE.
func exhaustiveEnv(v string) (clients, ops, k int, opts []Option, err error) {
	parts := strings.Split(v, ",")
	for len(parts) > 3 {
		switch strings.TrimSpace(parts[len(parts)-1]) {
		case "free":
			opts = append(opts, WithFreeSwitches())
		case "timers":
			opts = append(opts, WithTimerRaces())
		default:
			return 0, 0, 0, nil, fmt.Errorf("%w, not %q", ErrExhaustiveEnv, v)
		}
		parts = parts[:len(parts)-1]
	}
	if len(parts) < 2 {
		return 0, 0, 0, nil, fmt.Errorf("%w, not %q", ErrExhaustiveEnv, v)
	}
	n := []int{0, 0, DefaultPreemptions}
	for i, p := range parts {
		x, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || x < 0 || i < 2 && x < 1 {
			return 0, 0, 0, nil, fmt.Errorf("%w, not %q", ErrExhaustiveEnv, v)
		}
		n[i] = x
	}
	return n[0], n[1], n[2], append(opts, WithExhaustive(n[2])), nil
}

// Exploration is the outcome of an exhaustive exploration.
type Exploration struct {
	Clients     int // at most this many clients
	Ops         int // at most this many operations in all
	Preemptions int // preemption bound
	// FreeSwitches: only preemptions proper counted against the bound
	// (WithFreeSwitches); otherwise every choice off the default rule.
	FreeSwitches bool
	// TimerRaces: timers may also fire while goroutines can run
	// (WithTimerRaces).
	TimerRaces bool
	Alphabet   []Step
	Scenarios  int           // scenarios explored (all of them, unless a failure or an escape stopped the exploration)
	Schedules  int           // schedules judged (each a distinct run of its scenario)
	Runs       int           // runs made (iterative deepening makes a few schedules again)
	Complete   bool          // every scenario was explored completely and none diverged: the statement of Coverage holds
	Divergent  int           // runs that did not replay their path (the lock does what the scheduler does not control)
	Elapsed    time.Duration // wall time
	Failure    *Failure      // the first failure, or nil
	// Schedule is the failing run's schedule, and Preempted its number of
	// preemptions (switches away from a goroutine that could go on; a
	// switch when the running goroutine blocks or ends, and a select's
	// case, are free): the fewest of any failing schedule of the failing
	// scenario, since every schedule with fewer passed.
	Schedule   sched.Schedule
	Preempted  int
	Mode       string // "controlled", or "stress" when nothing could be explored (see ModeReason)
	ModeReason string
}

// Coverage states plainly what was explored, e.g. "all 123,456 schedules
// with at most 2 preemptions of every scenario of at most 2 clients with
// at most 3 operations in all (2,358 scenarios)".
func (e *Exploration) Coverage() string {
	scope := fmt.Sprintf("scenario of at most %s with at most %s in all", plural(e.Clients, "client"), plural(e.Ops, "operation"))
	pre := plural(e.Preemptions, "preemption")
	if e.FreeSwitches {
		pre += " (switches when a goroutine blocks, and select cases, free"
	} else {
		pre += " (every choice off the default rule counted"
	}
	if e.TimerRaces {
		pre += "; timers firing early too"
	}
	pre += ")"
	switch {
	case e.Mode != "controlled":
		return "nothing (exhaustive exploration needs controlled mode: " + e.ModeReason + ")"
	case e.Failure != nil:
		return fmt.Sprintf("%s of %s until the failure (every smaller scenario passed all its schedules with at most %s)",
			thousands(e.Schedules)+" schedules", plural(e.Scenarios, "scenario"), pre)
	case e.Divergent > 0:
		return fmt.Sprintf("%s schedules with at most %s of %s, NOT exhaustive (%d runs diverged: the lock does something the scheduler does not control)",
			thousands(e.Schedules), pre, plural(e.Scenarios, "scenario"), e.Divergent)
	case !e.Complete:
		return fmt.Sprintf("%s schedules with at most %s of %s, NOT exhaustive: stopped before the end (WithContext)",
			thousands(e.Schedules), pre, plural(e.Scenarios, "scenario"))
	}
	return fmt.Sprintf("all %s schedules with at most %s of every %s (%s scenarios)", thousands(e.Schedules), pre, scope, thousands(e.Scenarios))
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Alphabet returns the steps of exhaustive scenarios for a lock offering
// kinds: every kind, with acquire_timeout's timeout zero or short (1ms),
// and acquire_context's context cancelled before the call, cancelled a
// short while (1ms) after it, or never.
func Alphabet(kinds []model.Kind) []Step {
	var out []Step
	for _, k := range kinds {
		switch k {
		case model.AcquireTimeout:
			out = append(out, Step{Kind: k}, Step{Kind: k, Timeout: time.Millisecond})
		case model.AcquireContext:
			out = append(out, Step{Kind: k, Cancel: CancelBefore},
				Step{Kind: k, Cancel: CancelAfter, After: time.Millisecond}, Step{Kind: k, Cancel: CancelNever})
		default:
			out = append(out, Step{Kind: k})
		}
	}
	return out
}

// Scenarios calls yield with every scenario of at most clients clients
// (each with at least one step) and at most ops steps in all, over the
// alphabet, smallest first: by number of steps, then of clients, then in
// the alphabet's order, client 0's script varying slowest. It stops when
// yield returns false.
func Scenarios(alphabet []Step, clients, ops int, yield func(Scenario) bool) {
	for total := 1; total <= ops; total++ {
		for n := 1; n <= min(clients, total); n++ {
			if !compositions(total, n, nil, func(lens []int) bool {
				return scripts(alphabet, lens, yield)
			}) {
				return
			}
		}
	}
}

// compositions calls f with every way of writing total as n positive
// parts, in lexicographic order.
func compositions(total, n int, prefix []int, f func([]int) bool) bool {
	if n == 1 {
		return f(append(prefix, total))
	}
	for first := 1; first <= total-(n-1); first++ {
		if !compositions(total-first, n-1, append(prefix, first), f) {
			return false
		}
	}
	return true
}

// scripts calls yield with every scenario whose client i has lens[i]
// steps over the alphabet.
func scripts(alphabet []Step, lens []int, yield func(Scenario) bool) bool {
	total := 0
	for _, l := range lens {
		total += l
	}
	idx := make([]int, total)
	for {
		sc := Scenario{Clients: make([][]Step, len(lens))}
		k := 0
		for i, l := range lens {
			sc.Clients[i] = make([]Step, l)
			for j := range l {
				sc.Clients[i][j] = alphabet[idx[k]]
				k++
			}
		}
		if !yield(sc) {
			return false
		}
		i := total - 1
		for i >= 0 && idx[i] == len(alphabet)-1 {
			idx[i] = 0
			i--
		}
		if i < 0 {
			return true
		}
		idx[i]++
	}
}

// Exhaustive checks the lock newLock makes on every scenario of at most
// clients clients with at most ops operations in all, each under every
// schedule with at most WithExhaustive's bound of preemptions (default 2),
// and fails t with the first failure: a smallest failing scenario, on a
// schedule with the fewest preemptions, reported as Check reports a
// controlled failure (trace and replay command included). With no failure
// it logs what was covered.
//
// It needs controlled mode (a test binary built by `lockcheck test`, the
// lock's package instrumented): elsewhere it skips t, saying why. It fails
// t if the exploration is not exhaustive (a run diverged from its recorded
// choices, or WithContext stopped it). WithDuration does not bound it: the
// sizes do (see docs/power.md for what they cost).
//
// Options that apply: WithExhaustive, WithFreeSwitches,
// WithoutUnlockedRelease, WithContext, WithHTMLDir, WithCheckTimeout.
func Exhaustive(t *testing.T, newLock func() Lock, clients, ops int, opts ...Option) {
	t.Helper()
	var last time.Duration
	logProgress := func(p Progress) { // a line every 10s on long explorations
		if p.Elapsed-last >= 10*time.Second {
			last = p.Elapsed
			t.Logf("lockcheck: exhaustive: %v: %s scenarios, %s schedules", p.Elapsed.Round(time.Second), thousands(p.Scenarios), thousands(p.Schedules))
		}
	}
	e, err := exploreLock(newLock, clients, ops, append([]Option{WithProgress(logProgress), func(c *config) { c.inProcess, c.testName = true, t.Name() }}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	if e.Mode != "controlled" && e.Runs == 0 {
		t.Skipf("lockcheck: exhaustive exploration needs controlled mode: %s", e.ModeReason)
	}
	if e.Mode != "controlled" {
		t.Fatalf("lockcheck: the exploration stopped: %s", e.ModeReason)
	}
	t.Logf("lockcheck: exhaustive: %s; %s runs in %v", e.Coverage(), thousands(e.Runs), e.Elapsed.Round(time.Millisecond))
	if e.Failure != nil {
		t.Fatal(e.Failure.Error())
	}
	if !e.Complete {
		t.Fatalf("lockcheck: the exploration is not exhaustive: %s", e.Coverage())
	}
}

// ExploreLock is Exhaustive without a *testing.T: it returns the
// exploration, with its Failure if one was found. The error is for bad
// options or a lock that cannot be made. Outside controlled mode it
// explores nothing (Mode "stress", ModeReason says why).
func ExploreLock(newLock func() Lock, clients, ops int, opts ...Option) (*Exploration, error) {
	prepareRapid()
	return exploreLock(newLock, clients, ops, append([]Option{func(c *config) { c.inProcess = true }}, opts...))
}

func exploreLock(newLock func() Lock, clients, ops int, opts []Option) (*Exploration, error) {
	if clients < 1 || ops < 1 {
		return nil, fmt.Errorf("sim: an exhaustive exploration needs at least 1 client and 1 operation, not %d and %d", clients, ops)
	}
	newTarget := sharedTarget(newLock)
	if newTarget == nil {
		return nil, errors.New("sim: no lock constructor given")
	}
	cfg, err := newConfig(append([]Option{func(c *config) { c.preemptions = DefaultPreemptions }}, opts...))
	if err != nil {
		return nil, err
	}
	s := &search{cfg: cfg, newTarget: newTarget, start: time.Now()}
	probe, err := newTarget()
	if err != nil {
		return nil, fmt.Errorf("sim: making the target: %w", err)
	}
	s.kinds = offered(probe.Client(0))
	controlled, reason := chooseMode(cfg, probe.Client(0))
	s.fp = fingerprint(probe.Client(0))
	_ = probe.Close()
	e := &Exploration{Clients: clients, Ops: ops, Preemptions: cfg.preemptions, FreeSwitches: cfg.freeSwitches, TimerRaces: cfg.timerRaces, Alphabet: s.alphabet(),
		Mode: "stress", ModeReason: reason}
	if !controlled {
		if e.ModeReason == "" {
			e.ModeReason = "this test binary was not built by `lockcheck test`"
		}
		return e, nil
	}
	progress := cfg.progress // the exploration's own reports (onceWith's are not about it)
	cfg.progress = nil
	e.Mode, s.ctl = "controlled", newCtlSearch(1)
	s.rep.Mode = "controlled"
	e.Complete = true
	Scenarios(e.Alphabet, clients, ops, func(sc Scenario) bool {
		if cfg.ctx.Err() != nil {
			e.Complete = false
			return false
		}
		e.Scenarios++
		if progress != nil && time.Since(s.lastProg) >= 200*time.Millisecond {
			s.lastProg = time.Now()
			progress(Progress{Histories: e.Runs, Elapsed: time.Since(s.start), Scenarios: e.Scenarios, Schedules: e.Schedules})
		}
		f := s.exploreScenario(sc, e)
		if s.err != nil || s.ctl == nil {
			e.Complete = false
			return false
		}
		if f != nil {
			e.Failure = f
			return false
		}
		return true
	})
	if s.err != nil {
		return nil, s.err
	}
	if s.ctl == nil { // control escaped
		e.Mode, e.ModeReason, e.Complete = "stress", s.rep.ModeReason, false
	}
	if e.Failure != nil {
		e.Complete = false
		s.finish(e.Failure)
		if e.Failure.ctl != nil {
			e.Schedule = e.Failure.ctl.schedule
		}
	}
	e.Elapsed = time.Since(s.start)
	return e, nil
}

// exploreScenario runs sc under every schedule with at most the bound of
// preemptions (sched.Explore: levels 0, 1, ... bound, so the first failure
// has the fewest preemptions), and returns the first failure, completed
// with its trace and replay command.
func (s *search) exploreScenario(sc Scenario, e *Exploration) *Failure {
	var found *Failure
	n := 0
	st := sched.Explore(sched.ExploreOptions{Bound: s.cfg.preemptions, Strict: !s.cfg.freeSwitches, Timers: s.cfg.timerRaces}, func(strat sched.Strategy) bool {
		n++
		f := s.onceWith(sc, &plan{strategy: strat, info: schedInfo{strategy: "exhaustive"}})
		e.Runs++
		if s.err != nil || s.ctl == nil {
			return true
		}
		if f != nil && f.ctl != nil {
			found = f
			return true
		}
		return false
	})
	level := len(st.PerBound) - 1
	if level >= 0 {
		e.Schedules += st.PerBound[level] // level b runs every schedule with at most b preemptions
	}
	e.Divergent += st.Diverged
	if st.Diverged > 0 || !st.Complete && found == nil {
		e.Complete = false
	}
	if found == nil {
		return nil
	}
	e.Preempted = st.Preemptions
	info := schedInfo{strategy: "exhaustive", depth: level, index: st.PerBound[level]}
	found.ctl.info = info
	// Run the failing schedule again with a trace. It is not minimized:
	// it has the fewest preemptions already, which Minimize (fewest
	// choices) could trade for more.
	sch := found.ctl.schedule
	final := s.onceWith(sc, &plan{strategy: sched.Replay(sch), info: info, trace: true})
	if final == nil || final.Kind != found.Kind || final.ctl == nil {
		found.Mode = "controlled (" + info.String() + "); run again on its schedule, it did not fail the same way (the lock does something the scheduler does not control), so there is no replay"
		return found
	}
	s.complete(final, token{fp: s.fp, unlocked: s.cfg.unlockedRelease, minimized: true,
		info: info, scenario: sc, schedule: sch.String()})
	s.found = final
	return final
}

// exhaustiveFromEnv runs Check as an exhaustive exploration when
// LOCKCHECK_EXHAUSTIVE is set and the build is controlled; done reports
// whether it did.
func exhaustiveFromEnv(t *testing.T, newLock func() Lock, opts []Option) (done bool) {
	t.Helper()
	v, ok := os.LookupEnv(ExhaustiveEnv)
	if !ok || !sched.Enabled() {
		return false
	}
	clients, ops, _, extra, err := exhaustiveEnv(v)
	if err != nil {
		t.Fatal(err)
	}
	Exhaustive(t, newLock, clients, ops, append(append([]Option{}, opts...), extra...)...)
	return true
}

// Goroutine names goroutine g of the failure's trace as its report does:
// "client N", "harness", or "goroutine N" for a goroutine the lock
// started.
func (f *Failure) Goroutine(g int) string {
	switch {
	case g < len(f.Scenario.Clients):
		return fmt.Sprintf("client %d", g)
	case f.ctl != nil && f.ctl.harness[g]:
		return "harness"
	}
	return fmt.Sprintf("goroutine %d", g)
}

// alphabet is Alphabet of the lock's kinds, with WithLongTimeouts' step.
func (s *search) alphabet() []Step {
	a := Alphabet(s.kinds)
	if s.cfg.longTimeouts && slices.Contains(s.kinds, model.AcquireTimeout) {
		a = append(a, Step{Kind: model.AcquireTimeout, Timeout: longDelay(s.cfg.stuck)})
	}
	return a
}
