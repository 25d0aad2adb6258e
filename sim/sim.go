package sim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sched"
	"pgregory.net/rapid"
)

// FailureKind says what kind of bug a Failure shows.
type FailureKind string

// The kinds of Failure.
const (
	// Violation: the history is not linearizable; no order of the
	// operations consistent with real time is a legal run of a lock.
	Violation FailureKind = "linearizability violation"
	// Stuck: an operation did not return although a correct lock would
	// have let it (a lost wake-up, a release after which no waiter
	// proceeds, a timed or cancellable waiter with time left that does
	// not proceed after a release, a non-blocking operation that blocks).
	Stuck FailureKind = "stuck waiter"
	// Contract: an operation panicked, or AcquireContext returned an error
	// while its context was not done.
	Contract FailureKind = "broken contract"
	// Early: an AcquireTimeout(d), d > 0, returned false before d had
	// elapsed (measured by the harness from call to return): a timed
	// acquire waits its timeout before it gives up.
	Early FailureKind = "timed out early"
	// Inconclusive: the linearizability checker timed out. Nothing was
	// proved either way; it is reported, never passed.
	Inconclusive FailureKind = "inconclusive (checker timed out)"
	// TargetFailed: the target itself failed (a driver crashed or broke
	// its protocol); the lock was not judged.
	TargetFailed FailureKind = "target failed"
)

// Failure is a failing run: what went wrong, the minimized scenario that
// shows it, and its history. Error renders all of it for a reader.
type Failure struct {
	Kind     FailureKind
	Summary  string   // what went wrong, in a sentence or two
	Scenario Scenario // the scenario, as small as minimization got it
	// Minimized reports whether rapid found a smaller scenario that fails
	// the same way. A rare race may not reproduce often enough to shrink;
	// a small scenario may have nothing smaller.
	Minimized bool
	History   []history.Op // the failing run's history
	Marks     map[int]string
	HTML      string // path of porcupine's visualization of History, if written
	Err       error  // with TargetFailed: the target's error (see Target)
	// Mode says how the failing run was scheduled: "stress" (with the
	// reason in parentheses when a build by `lockcheck test` fell back to
	// it), or "controlled (pct, depth 2; schedule 3 of 10)": the
	// strategy that found the failure and the schedule's place among the
	// scenario's schedules.
	Mode string
	// Trace is the failing controlled run's steps, in order, as run again
	// on its minimized schedule; nil in stress mode. Error shows the last
	// of them.
	Trace []sched.Event
	// Replay is a shell command, run from the module's root, that
	// reproduces the failure (same history, same interleaving) every time;
	// empty in stress mode, whose interleavings cannot be replayed.
	Replay string

	// Lock is the semantics the lock was checked with (WithOwnership,
	// WithReentrancy): the model that judged History.
	Lock model.Semantics

	marks map[[2]int]string // (client, slot) → mark, before History is known
	check history.Result
	ctl   *ctlRun // the controlled run, nil in stress mode
}

// Error renders the failure: kind and summary, the scenario, the history as
// a timeline with one column per client, and the visualization's path.
func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "lockcheck: %s\n%s\n", f.Kind, f.Summary)
	if f.Mode != "" {
		fmt.Fprintf(&b, "mode: %s\n", f.Mode)
	}
	if len(f.Scenario.Clients) > 0 {
		label := "minimized scenario"
		if !f.Minimized {
			label = "scenario (rapid found no smaller one that fails the same way)"
		}
		fmt.Fprintf(&b, "\n%s: %s\n", label, f.Scenario)
		if f.Lock != model.Unowned {
			fmt.Fprintf(&b, "(the lock is %s: a client that holds it when its script ends releases it, as its last operations)\n", f.Lock)
		}
	}
	if len(f.History) > 0 {
		fmt.Fprintf(&b, "\nhistory (time runs down; one column per client):\n%s", history.Timeline(f.History, f.Marks))
	}
	if len(f.Trace) > 0 {
		b.WriteString("\n" + f.traceText())
	}
	if f.HTML != "" {
		fmt.Fprintf(&b, "\nvisualization: %s\n", f.HTML)
	}
	if f.Replay != "" {
		fmt.Fprintf(&b, "replay: %s\n", f.Replay)
	}
	return b.String()
}

// Report is the outcome of Run.
type Report struct {
	Histories  int           // runs checked
	Operations int           // operations in them
	Scenarios  int           // distinct scenarios generated
	Elapsed    time.Duration // wall time, shrinking included
	Failure    *Failure      // the failure found, or nil
	// Mode is "controlled" when the runs were scheduled by package sched
	// (a test binary built by `lockcheck test`, with the lock's package
	// instrumented), else "stress". A search that lost control of a
	// goroutine goes on in stress mode and ends as "stress".
	Mode string
	// ModeReason says why a build by `lockcheck test` ran stress mode
	// (the lock's package is not instrumented, or uses what the scheduler
	// cannot control, or control escaped), or that LOCKCHECK_REPLAY named
	// another lock and nothing was checked; empty otherwise.
	ModeReason string
}

// Progress is passed to the WithProgress callback while Run works.
type Progress struct {
	Histories, Operations int
	Elapsed               time.Duration
	Shrinking             bool // a failure was found and is being minimized
	Scenarios, Schedules  int  // an exhaustive exploration: scenarios begun, schedules judged
}

type config struct {
	duration        time.Duration
	shrink          time.Duration
	repeat          int
	minClients      int
	maxClients      int
	maxSteps        int
	unlockedRelease bool
	owned           bool // WithOwnership
	reentrant       bool // WithReentrancy
	grace           time.Duration
	stuck           time.Duration
	deadline        time.Duration
	checkTimeout    time.Duration
	htmlDir         string
	recordDir       string
	progress        func(Progress)
	seed            uint64
	ctx             context.Context
	inProcess       bool
	forceControlled bool          // controlled mode even in a plain build (tests)
	replay          string        // a replay token (LOCKCHECK_REPLAY)
	testName        string        // Check's test, for the replay command
	escape          time.Duration // sched.Options.Escape (0: the scheduler's default)
	preemptions     int           // the preemption bound of an exhaustive exploration (see exhaustive.go)
	freeSwitches    bool          // exhaustive: only preemptions proper count against the bound
	timerRaces      bool          // exhaustive: timers may fire while goroutines can run
	longTimeouts    bool          // exhaustive: a long acquire_timeout in the alphabet
}

// Option configures Check and Run.
type Option func(*config)

// WithDuration sets how long to search for a failure (default 3s). The
// environment variable LOCKCHECK_DURATION, e.g. "1m" for a soak run, sets
// a minimum that applies to every Check and Run. Minimizing a failure takes
// extra time, bounded by WithShrinkTime. However short d, at least one
// history is checked.
func WithDuration(d time.Duration) Option { return func(c *config) { c.duration = d } }

// WithShrinkTime bounds the time spent minimizing a failing scenario
// (default 10s).
func WithShrinkTime(d time.Duration) Option { return func(c *config) { c.shrink = d } }

// WithRepeat sets how many times each scenario runs, on a fresh lock each
// time, to expose narrow races (default 10).
func WithRepeat(n int) Option { return func(c *config) { c.repeat = max(1, n) } }

// WithClients sets the range of the number of concurrent clients (default
// 2 to 8). Values below 1 count as 1, and hi below lo as lo.
func WithClients(lo, hi int) Option {
	return func(c *config) { c.minClients, c.maxClients = max(1, lo), max(1, lo, hi) }
}

// WithMaxSteps sets the longest script of one client (default 6).
func WithMaxSteps(n int) Option { return func(c *config) { c.maxSteps = max(1, n) } }

// WithoutUnlockedRelease makes the harness release only a lock it knows is
// held (an acquisition returned and no release has been started since), for
// locks whose release of an unlocked lock is undefined, like sync.Mutex.
func WithoutUnlockedRelease() Option { return func(c *config) { c.unlockedRelease = false } }

// WithStuckTimeout sets how long waiters may make no progress after the
// lock was released before the run is declared stuck (default 500ms; 2s
// for Run, whose targets live in other processes). Only
// time in which the harness itself ran on schedule counts.
func WithStuckTimeout(d time.Duration) Option { return func(c *config) { c.stuck = d } }

// WithDeadline bounds the wall time of a single run (default 10s).
func WithDeadline(d time.Duration) Option { return func(c *config) { c.deadline = d } }

// WithCheckTimeout bounds porcupine's check of one history (default 10s);
// a check that times out is reported as Inconclusive.
func WithCheckTimeout(d time.Duration) Option { return func(c *config) { c.checkTimeout = d } }

// WithHTMLDir sets where the visualization of a failure is written
// (default: a new directory under os.TempDir()).
func WithHTMLDir(dir string) Option { return func(c *config) { c.htmlDir = dir } }

// WithRecord writes every checked history to dir in the history file
// format, as history-NNNNNN.jsonl.
func WithRecord(dir string) Option { return func(c *config) { c.recordDir = dir } }

// WithProgress calls f about every 200ms while Run works.
func WithProgress(f func(Progress)) Option { return func(c *config) { c.progress = f } }

// WithSeed makes generation repeatable: rapid's batches of scenarios start
// from seed, seed+1, ... It sets rapid's process-wide -rapid.seed flag, so
// do not combine it with checks running in parallel.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithContext stops the search when ctx is done; the Report then covers
// what was checked so far.
func WithContext(ctx context.Context) Option { return func(c *config) { c.ctx = ctx } }

func newConfig(opts []Option) (*config, error) {
	c := &config{
		duration: 3 * time.Second, shrink: 10 * time.Second, repeat: 10,
		minClients: 2, maxClients: 8, maxSteps: 6, unlockedRelease: true,
		grace: 1 * time.Millisecond, stuck: 500 * time.Millisecond,
		deadline: 10 * time.Second, checkTimeout: 10 * time.Second,
		ctx: context.Background(), replay: os.Getenv("LOCKCHECK_REPLAY"),
	}
	for _, o := range opts {
		o(c)
	}
	if v, ok := os.LookupEnv("LOCKCHECK_DURATION"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("sim: LOCKCHECK_DURATION=%q is not a positive duration", v)
		}
		c.duration = max(c.duration, d)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"duration", c.duration}, {"stuck timeout", c.stuck}, {"deadline", c.deadline}, {"check timeout", c.checkTimeout}} {
		if d.v <= 0 {
			return nil, fmt.Errorf("sim: the %s must be positive, not %v", d.name, d.v)
		}
	}
	if c.shrink < 0 {
		return nil, fmt.Errorf("sim: the shrink time must not be negative, not %v", c.shrink)
	}
	return c, nil
}

// Check tests the lock that newLock makes: rapid generates concurrent
// scenarios, each runs on real goroutines against a fresh lock (several
// times), porcupine checks every history for linearizability against
// model.Model (or the owned models, see WithOwnership), and the harness
// watches for stuck waiters. Check fails t
// with the minimized failing scenario, its history as a timeline, and the
// path of porcupine's visualization. It logs how many histories and
// operations it checked.
//
// Check exercises every optional method the lock has (see Lock). Rapid's
// flags apply: -rapid.seed, -rapid.failfile to replay a failure. In a
// controlled build with LOCKCHECK_EXHAUSTIVE set, Check is Exhaustive
// instead (see ExhaustiveEnv).
func Check(t *testing.T, newLock func() Lock, opts ...Option) {
	t.Helper()
	if exhaustiveFromEnv(t, newLock, opts) {
		return
	}
	var last time.Duration
	logProgress := func(p Progress) { // a line every 10s on long runs
		if p.Elapsed-last >= 10*time.Second {
			last = p.Elapsed
			t.Logf("lockcheck: %v: %d histories, %d operations checked", p.Elapsed.Round(time.Second), p.Histories, p.Operations)
		}
	}
	rep, err := runSearch(&testTB{t: t}, sharedTarget(newLock),
		append([]Option{WithProgress(logProgress), func(c *config) { c.inProcess, c.testName = true, t.Name() }}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	logMode(t, rep)
	t.Logf("lockcheck: checked %d histories (%d operations, %d scenarios) in %v",
		rep.Histories, rep.Operations, rep.Scenarios, rep.Elapsed.Round(time.Millisecond))
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
}

// Run is Check without a *testing.T, for programs such as the lockcheck
// command: it searches for a failure of the targets newTarget makes (one
// per run) and returns what it found. The error is for bad options or a
// target that cannot be made; a failure of the lock is in the Report.
//
// A target in another process is not covered by the in-process liveness
// veto, and its process may be starved while this one is not, so Run's
// default stuck timeout is longer: 2s.
func Run(newTarget func() (Target, error), opts ...Option) (*Report, error) {
	prepareRapid()
	return runSearch(&quietTB{}, newTarget, append([]Option{WithStuckTimeout(outOfProcessStuck)}, opts...))
}

// outOfProcessStuck is Run's default stuck timeout.
const outOfProcessStuck = 2 * time.Second

// RunLock is Run for an in-process lock.
func RunLock(newLock func() Lock, opts ...Option) (*Report, error) {
	prepareRapid()
	return runSearch(&quietTB{}, sharedTarget(newLock),
		append([]Option{func(c *config) { c.inProcess = true }}, opts...))
}

// sharedTarget makes targets of in-process locks.
func sharedTarget(newLock func() Lock) func() (Target, error) {
	if newLock == nil {
		return nil
	}
	return func() (Target, error) {
		l := newLock()
		if l == nil {
			return nil, errors.New("the lock constructor returned nil")
		}
		return shared{l}, nil
	}
}

var rapidOnce sync.Once

// prepareRapid lets rapid run outside "go test": rapid asks testing.Short,
// which needs the testing flags registered and parsed; and it must not
// write fail files into the working directory.
func prepareRapid() {
	if testing.Testing() {
		return
	}
	rapidOnce.Do(func() {
		testing.Init()
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
		if _, ok := os.LookupEnv("RAPID_NOFAILFILE"); !ok {
			_ = flag.Set("rapid.nofailfile", "true")
		}
	})
}

// search state shared by the rapid property and the loop around it.
type search struct {
	cfg       *config
	newTarget func() (Target, error)
	kinds     []model.Kind
	ctl       *ctlSearch // controlled mode; nil in stress mode
	fp        string     // the lock's fingerprint, for replay tokens
	rep       Report
	start     time.Time
	lastProg  time.Time
	found     *Failure
	shrinkEnd time.Time
	err       error // a target could not be made
}

func runSearch(tb rapid.TB, newTarget func() (Target, error), opts []Option) (*Report, error) {
	if newTarget == nil {
		return nil, errors.New("sim: no lock or target constructor given")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	s := &search{cfg: cfg, newTarget: newTarget, start: time.Now()}
	probe, err := newTarget()
	if err != nil {
		return nil, fmt.Errorf("sim: making the target: %w", err)
	}
	c0 := probe.Client(0) // the harness asks each client once
	s.kinds = offered(c0)
	controlled, reason := chooseMode(cfg, c0)
	s.fp = fingerprint(c0)
	_ = probe.Close()
	s.rep.Mode, s.rep.ModeReason = "stress", reason
	if cfg.replay != "" {
		return s.replay(controlled)
	}
	if controlled {
		s.rep.Mode, s.ctl = "controlled", newCtlSearch(cfg.seed)
	}
	gen := scenarioGen(s.kinds, cfg.minClients, cfg.maxClients, cfg.maxSteps, longDelay(cfg.stuck))
	prop := func(t *rapid.T) {
		sc := gen.Draw(t, "scenario")
		if f := s.scenario(sc); f != nil {
			t.Fatal(string(f.Kind)) // one call site and message per kind, so rapid shrinks within a kind
		}
	}
	defer restoreRapidFlags(setRapidFlags(cfg, 0))
	for batch := uint64(0); s.found == nil && s.err == nil && s.searching(); batch++ {
		setRapidFlags(cfg, batch)
		s.batch(tb, prop)
	}
	if s.err != nil {
		return nil, s.err
	}
	if s.found != nil {
		s.finish(s.found)
		s.rep.Failure = s.found
	}
	s.rep.Elapsed = time.Since(s.start)
	return &s.rep, nil
}

// batch runs one rapid.Check, stopping the FailNow that ends it.
func (s *search) batch(tb rapid.TB, prop func(*rapid.T)) {
	defer func() {
		if p := recover(); p != nil && p != errStopBatch {
			panic(p)
		}
	}()
	if r, ok := tb.(interface{ reset() }); ok {
		r.reset()
	}
	rapid.Check(tb, prop)
}

// searching reports whether the search for a failure goes on. It goes on
// until at least one history is checked, however short the duration: on a
// loaded machine, or with a driver slow to start, the budget can be spent
// before the first run, and a search that checked nothing is no pass.
func (s *search) searching() bool {
	return (s.rep.Histories == 0 || time.Since(s.start) < s.cfg.duration) && s.cfg.ctx.Err() == nil
}

// setRapidFlags sets the rapid flags that rapid only takes from the
// command line: the seed of this batch (WithSeed), and the minimization
// budget. It writes a flag only when its value changes, so checks in
// parallel tests do not race on flags they share.
func setRapidFlags(cfg *config, batch uint64) (old map[string]string) {
	old = map[string]string{}
	set := func(name, value string) {
		if f := flag.Lookup(name); f != nil && f.Value.String() != value {
			old[name] = f.Value.String()
			_ = flag.Set(name, value)
		}
	}
	if cfg.seed != 0 {
		set("rapid.seed", fmt.Sprint(cfg.seed+batch))
	}
	set("rapid.shrinktime", (cfg.shrink + time.Second).String())
	return old
}

// restoreRapidFlags gives rapid's flags back the values they had before
// setRapidFlags first changed them.
func restoreRapidFlags(old map[string]string) {
	for name, v := range old {
		_ = flag.Set(name, v)
	}
}

// scenario runs sc cfg.repeat times and returns the first failure.
func (s *search) scenario(sc Scenario) *Failure {
	if s.found == nil && !s.searching() {
		return nil // budget spent: the rest of the batch passes trivially
	}
	if s.found != nil && (time.Now().After(s.shrinkEnd) || s.cfg.ctx.Err() != nil) {
		return nil // minimization budget spent
	}
	if s.err != nil {
		return nil
	}
	s.rep.Scenarios++
	reps := s.cfg.repeat
	if s.found != nil {
		reps *= 10 // a minimized scenario must reproduce a race that may be rare
	}
	for i := range reps {
		f := s.once(sc, i, reps)
		if f == nil {
			if s.found == nil && !s.searching() || s.found != nil && time.Now().After(s.shrinkEnd) {
				return nil // out of time, even in the middle of the repetitions
			}
			continue
		}
		switch {
		case s.found == nil:
			s.shrinkEnd = time.Now().Add(s.cfg.shrink)
			s.found = f
		case f.Kind == s.found.Kind:
			f.Minimized = s.found.Minimized || f.Scenario.String() != s.found.Scenario.String()
			s.found = f
		}
		return f
	}
	return nil
}

// once runs and checks sc once: its repetition rep of reps.
func (s *search) once(sc Scenario, rep, reps int) *Failure {
	if s.ctl != nil {
		p := s.ctl.pick(sc, rep, reps)
		return s.onceWith(sc, &p)
	}
	return s.onceWith(sc, nil)
}

// onceWith runs and checks sc once: under the scheduler with plan p, or in
// stress mode if p is nil.
func (s *search) onceWith(sc Scenario, p *plan) *Failure {
	target, err := s.newTarget()
	if err != nil {
		s.err = fmt.Errorf("sim: making the target: %w", err)
		return nil
	}
	r := newRun(s.cfg, sc, target)
	var h []history.Op
	var f *Failure
	var cr *ctlRun
	if p != nil {
		if h, f, cr, err = r.executeControlled(*p); err != nil {
			s.escaped(err)
			return nil
		}
	} else {
		h, f = r.execute()
	}
	s.rep.Histories++
	s.rep.Operations += len(h)
	s.record(h)
	s.report()
	if f == nil || f.Kind == Stuck || f.Kind == Contract || f.Kind == Early {
		res := history.CheckOf(h, s.cfg.lock(), s.cfg.checkTimeout)
		switch {
		case f != nil && (f.Kind == Contract || f.Kind == Early):
			f.check = res // for the visualization; the broken contract or promise is the finding
		case res.Verdict == history.NotLinearizable:
			f = &Failure{Kind: Violation, check: res, Marks: map[int]string{}, Summary: violationSummary(h, res) + s.ownershipHint(h, res)}
			if res.Culprit >= 0 {
				f.Marks[res.Culprit] = "◀ cannot be linearized"
			}
		case res.Verdict == history.Unknown:
			f = &Failure{Kind: Inconclusive, check: res,
				Summary: fmt.Sprintf("porcupine could not decide within %v whether this history is linearizable", s.cfg.checkTimeout)}
		default:
			if f != nil {
				f.check = res
			}
		}
	}
	if f != nil {
		f.Scenario, f.History, f.Lock, f.ctl = sc, h, s.cfg.lock(), cr
		if f.marks != nil {
			f.Marks = slotMarks(h, f.marks)
		}
	}
	return f
}

// slotMarks turns marks on (client, slot) into marks on history indices;
// snapshot lists each client's operations in slot order.
func slotMarks(h []history.Op, m map[[2]int]string) map[int]string {
	out := map[int]string{}
	seen := map[int]int{}
	for i, op := range h {
		if mark, ok := m[[2]int{op.Client, seen[op.Client]}]; ok {
			out[i] = mark
		}
		seen[op.Client]++
	}
	return out
}

func violationSummary(h []history.Op, res history.Result) string {
	msg := "no order of these operations that respects real time is a legal sequence of lock steps (porcupine found no linearization)"
	if res.Culprit >= 0 {
		op := h[res.Culprit]
		who := fmt.Sprintf("client %d's", op.Client)
		if op.Note == "harness" {
			who = "the harness's"
		}
		msg += fmt.Sprintf(";\nthe first operation no partial linearization can include is %s %s (marked ◀)",
			who, model.Describe(op.Input, op.Output))
	}
	return msg + "."
}

func (s *search) record(h []history.Op) {
	if s.cfg.recordDir == "" {
		return
	}
	path := filepath.Join(s.cfg.recordDir, fmt.Sprintf("history-%06d.jsonl", s.rep.Histories))
	f, err := os.Create(path)
	if err == nil {
		err = history.WriteMeta(f, h, history.Meta{Lock: s.cfg.lock()})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("sim: recording history: %w", err)
	}
}

func (s *search) report() {
	if s.cfg.progress == nil || time.Since(s.lastProg) < 200*time.Millisecond {
		return
	}
	s.lastProg = time.Now()
	s.cfg.progress(Progress{Histories: s.rep.Histories, Operations: s.rep.Operations,
		Elapsed: time.Since(s.start), Shrinking: s.found != nil})
}

// finish completes the failure found: in controlled mode, it minimizes
// the schedule and adds the trace and the replay command; and it writes the
// visualization.
func (s *search) finish(f *Failure) {
	s.finishMode(f)
	if f.check.Verdict == "" || len(f.History) == 0 {
		return
	}
	dir := s.cfg.htmlDir
	if dir == "" && f.ctl != nil && f.Replay != "" {
		dir = replayDir(f)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return
		}
	} else if dir == "" {
		d, err := os.MkdirTemp("", "lockcheck-")
		if err != nil {
			return
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	ops := history.Operations(f.History)
	var notes []porcupine.Annotation
	for i, mark := range f.Marks {
		if i < 0 || i >= len(ops) {
			continue
		}
		notes = append(notes, porcupine.Annotation{ClientId: ops[i].ClientId, Start: ops[i].Call, End: ops[i].Return,
			Tag: "lockcheck", Description: mark, Details: f.Summary, BackgroundColor: "#ffd6d6"})
	}
	f.check.Info.AddAnnotations(notes)
	path := filepath.Join(dir, strings.ReplaceAll(string(f.Kind), " ", "-")+".html")
	if err := history.Visualize(f.check, path); err == nil {
		f.HTML = path
	}
}

var errStopBatch = errors.New("sim: batch stopped")

// testTB passes rapid's reports to a *testing.T, except that it does not
// fail the test: Check fails it with its own report, which the last rapid
// run may not reproduce.
type testTB struct {
	t      *testing.T
	failed bool
}

func (b *testTB) Helper()                    { b.t.Helper() }
func (b *testTB) Name() string               { return b.t.Name() }
func (b *testTB) Logf(f string, args ...any) { b.log(fmt.Sprintf(f, args...)) }
func (b *testTB) Log(args ...any)            { b.log(fmt.Sprint(args...)) }
func (b *testTB) log(msg string) {
	if !strings.HasPrefix(msg, "[rapid] OK") {
		b.t.Log(msg)
	}
}
func (b *testTB) Skipf(f string, args ...any)  { b.t.Skipf(f, args...) }
func (b *testTB) Skip(args ...any)             { b.t.Skip(args...) }
func (b *testTB) SkipNow()                     { b.t.SkipNow() }
func (b *testTB) Errorf(f string, args ...any) { b.failed = true; b.t.Logf(f, args...) }
func (b *testTB) Error(args ...any)            { b.failed = true; b.t.Log(args...) }
func (b *testTB) Fatalf(f string, args ...any) { b.Errorf(f, args...); b.FailNow() }
func (b *testTB) Fatal(args ...any)            { b.Error(args...); b.FailNow() }
func (b *testTB) FailNow()                     { b.failed = true; panic(errStopBatch) }
func (b *testTB) Fail()                        { b.failed = true }
func (b *testTB) Failed() bool                 { return b.failed }
func (b *testTB) reset()                       { b.failed = false }

// quietName is the test name rapid sees in Run. rapid names its fail
// files after the test and replays every fail file of that name before it
// generates anything; it has no per-call switch for either. Run's failures
// live in its Report, so the name is longer than a file name may be: rapid
// can neither create such a fail file (it logs that, to quietTB) nor find
// one to replay.
var quietName = "lockcheck-Run-" + strings.Repeat("x", 256)

// quietTB is rapid's TB outside tests: rapid's own messages are dropped
// (the Report carries the failure).
type quietTB struct{ failed bool }

func (b *quietTB) Helper()               {}
func (b *quietTB) Name() string          { return quietName }
func (b *quietTB) Logf(string, ...any)   {}
func (b *quietTB) Log(...any)            {}
func (b *quietTB) Skipf(string, ...any)  { b.SkipNow() }
func (b *quietTB) Skip(...any)           { b.SkipNow() }
func (b *quietTB) SkipNow()              { panic(errStopBatch) }
func (b *quietTB) Errorf(string, ...any) { b.failed = true }
func (b *quietTB) Error(...any)          { b.failed = true }
func (b *quietTB) Fatalf(string, ...any) { b.FailNow() }
func (b *quietTB) Fatal(...any)          { b.FailNow() }
func (b *quietTB) FailNow()              { b.failed = true; panic(errStopBatch) }
func (b *quietTB) Fail()                 { b.failed = true }
func (b *quietTB) Failed() bool          { return b.failed }
