package sim

import (
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sched"
)

// Replay.
//
// A controlled failure carries a replay token: the lock's fingerprint, the
// options that change what a run does, the strategy label and the
// minimization flag (so that the report comes out byte-identical), the
// scenario, and the minimized schedule. `lockcheck test -replay=TOKEN`
// builds the test binary with instrumentation and sets LOCKCHECK_REPLAY;
// there, every Check, Run and RunLock whose lock has the token's
// fingerprint runs the token's scenario once on its schedule instead of
// searching, and every other one returns at once without checking
// anything. The failure's report names no wall-clock figure, and its
// visualization goes to a directory named after the token, so a replay
// prints exactly the report of the original failure.

// token is the content of a replay token.
type token struct {
	fp        string // fingerprint of the lock's type
	unlocked  bool   // releases of an unlocked lock (WithoutUnlockedRelease not given)
	minimized bool   // Failure.Minimized
	info      schedInfo
	scenario  Scenario
	schedule  string // sched.Schedule.String()
}

const tokenVersion = "lc1"

// encode renders t as URL- and shell-safe text.
func (t token) encode() string {
	flags := ""
	if t.unlocked {
		flags += "u"
	}
	if t.minimized {
		flags += "m"
	}
	if flags == "" {
		flags = "-"
	}
	text := strings.Join([]string{tokenVersion, t.fp, flags,
		fmt.Sprintf("%s.%d.%d.%d", t.info.strategy, t.info.depth, t.info.index, t.info.of),
		encodeScenario(t.scenario), t.schedule}, "\n")
	return base64.RawURLEncoding.EncodeToString([]byte(text))
}

// ErrBadToken is returned (wrapped, with the reason) for a replay token
// that cannot be decoded.
var ErrBadToken = errors.New("sim: bad replay token")

func badToken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadToken, fmt.Sprintf(format, args...))
}

// decodeToken parses a token made by encode.
func decodeToken(s string) (token, error) {
	var t token
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return t, badToken("%v", err)
	}
	f := strings.Split(string(raw), "\n")
	if len(f) != 6 || f[0] != tokenVersion {
		return t, badToken("not a token of this version of lockcheck (%s)", tokenVersion)
	}
	t.fp, t.schedule = f[1], f[5]
	t.unlocked, t.minimized = strings.Contains(f[2], "u"), strings.Contains(f[2], "m")
	info := strings.Split(f[3], ".")
	if len(info) != 4 || info[0] != "pct" && info[0] != "random" && info[0] != "exhaustive" {
		return t, badToken("bad strategy %q", f[3])
	}
	t.info.strategy = info[0]
	for i, p := range []*int{&t.info.depth, &t.info.index, &t.info.of} {
		if *p, err = strconv.Atoi(info[i+1]); err != nil || *p < 0 {
			return t, badToken("bad strategy %q", f[3])
		}
	}
	if t.scenario, err = decodeScenario(f[4]); err != nil {
		return t, err
	}
	if _, err := sched.ParseSchedule(t.schedule); err != nil {
		return t, badToken("schedule: %v", err)
	}
	return t, nil
}

// encodeScenario writes a scenario compactly: clients separated by "/",
// steps by ",", a step as its kind's number followed by its nonzero
// arguments: t<timeout ns>, c<cancel mode>, a<after ns>.
func encodeScenario(sc Scenario) string {
	cs := make([]string, len(sc.Clients))
	for i, steps := range sc.Clients {
		ss := make([]string, len(steps))
		for j, s := range steps {
			code := strconv.Itoa(int(s.Kind))
			if s.Timeout != 0 {
				code += "t" + strconv.FormatInt(int64(s.Timeout), 10)
			}
			if s.Cancel != 0 {
				code += "c" + strconv.Itoa(int(s.Cancel))
			}
			if s.After != 0 {
				code += "a" + strconv.FormatInt(int64(s.After), 10)
			}
			ss[j] = code
		}
		cs[i] = strings.Join(ss, ",")
	}
	return strings.Join(cs, "/")
}

var stepCode = regexp.MustCompile(`^([0-9]+)(?:t([0-9]+))?(?:c([0-9]+))?(?:a([0-9]+))?$`)

func decodeScenario(s string) (Scenario, error) {
	var sc Scenario
	if s == "" {
		return sc, badToken("no clients")
	}
	for _, c := range strings.Split(s, "/") {
		var steps []Step
		for _, code := range strings.Split(c, ",") {
			m := stepCode.FindStringSubmatch(code)
			if m == nil {
				return sc, badToken("bad step %q", code)
			}
			var n [4]int64
			for i := range n {
				if m[i+1] == "" {
					continue
				}
				v, err := strconv.ParseInt(m[i+1], 10, 64)
				if err != nil {
					return sc, badToken("bad step %q", code)
				}
				n[i] = v
			}
			k := model.Kind(n[0])
			if n[0] > 255 || !slices.Contains(model.Kinds, k) || n[2] > int64(CancelAfter) {
				return sc, badToken("bad step %q", code)
			}
			steps = append(steps, Step{Kind: k, Timeout: time.Duration(n[1]), Cancel: Cancel(n[2]), After: time.Duration(n[3])})
		}
		sc.Clients = append(sc.Clients, steps)
	}
	return sc, nil
}

// replayCommand is the shell command that replays token: `lockcheck test`
// on the test's package, relative to the module's root, selecting the test
// by name when known.
func replayCommand(tok, testName string) string {
	cmd := "go run github.com/lockcheck/lockcheck/cmd/lockcheck test -replay=" + tok
	if testName != "" {
		parts := strings.Split(testName, "/")
		for i, p := range parts {
			parts[i] = "^" + regexp.QuoteMeta(p) + "$"
		}
		cmd += " -run " + shellQuote(strings.Join(parts, "/"))
	}
	return cmd + " " + shellQuote(packageDir())
}

// packageDir is the working directory (where a test binary runs: its
// package's directory) relative to the module's root, as a go command
// names it; the absolute directory if no go.mod is found above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return wd
			}
			if rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./=:@%+,-]+$`)

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// replayDir is where the visualization of a controlled failure goes
// unless WithHTMLDir says otherwise: named after its replay command, so
// that a replay writes the same path.
func replayDir(f *Failure) string {
	h := fnv.New64a()
	h.Write([]byte(f.Replay))
	return filepath.Join(os.TempDir(), fmt.Sprintf("lockcheck-%016x", h.Sum64()))
}

// complete fills in the reader's part of a controlled failure that ran
// with a trace on tok's schedule: mode, trace, replay command. The search
// and a replay both end here, so that they render the same report.
func (s *search) complete(f *Failure, tok token) {
	f.Mode = "controlled (" + tok.info.String() + ")"
	f.Minimized = tok.minimized
	f.Trace = f.ctl.trace
	f.Replay = replayCommand(tok.encode(), s.cfg.testName)
}

// finishMode completes the failure found: the mode it ran in, and in
// controlled mode its minimized schedule, run once more with a trace.
func (s *search) finishMode(f *Failure) {
	if f.Mode != "" {
		return // a replay, completed already
	}
	if f.ctl == nil {
		f.Mode = "stress"
		if s.rep.ModeReason != "" {
			f.Mode += " (" + s.rep.ModeReason + ")"
		}
		return
	}
	sc, kind, info := f.Scenario, f.Kind, f.ctl.info
	deadline := time.Now().Add(s.cfg.shrink)
	fails := func(sch sched.Schedule) bool {
		if time.Now().After(deadline) || s.cfg.ctx.Err() != nil {
			return false // out of time: keep what is minimized so far
		}
		g := s.onceWith(sc, &plan{strategy: sched.Replay(sch), info: info})
		return g != nil && g.Kind == kind && g.ctl != nil
	}
	min := sched.Minimize(f.ctl.schedule, fails)
	final := s.onceWith(sc, &plan{strategy: sched.Replay(min), info: info, trace: true})
	if final == nil || final.Kind != kind || final.ctl == nil {
		f.Mode = "controlled (" + info.String() + "); run again on its schedule, it did not fail the same way (the lock does something the scheduler does not control), so there is no replay"
		return
	}
	final.Minimized = f.Minimized
	s.complete(final, token{fp: s.fp, unlocked: s.cfg.unlockedRelease, minimized: f.Minimized,
		info: info, scenario: sc, schedule: min.String()})
	*f = *final
}

// replay runs the failure of the token in cfg.replay instead of a search.
func (s *search) replay(controlled bool) (*Report, error) {
	tok, err := decodeToken(s.cfg.replay)
	if err != nil {
		return nil, fmt.Errorf("sim: LOCKCHECK_REPLAY: %w", err)
	}
	if tok.fp != s.fp {
		s.rep.ModeReason = "LOCKCHECK_REPLAY replays the failure of another lock: nothing was checked"
		return &s.rep, nil
	}
	if !controlled {
		why := s.rep.ModeReason
		if why == "" {
			why = "this test binary was not built by `lockcheck test`"
		}
		return nil, fmt.Errorf("sim: LOCKCHECK_REPLAY needs controlled mode, but %s", why)
	}
	if tok.unlocked != s.cfg.unlockedRelease {
		return nil, errors.New("sim: LOCKCHECK_REPLAY: the token was made with other options (WithoutUnlockedRelease)")
	}
	sch, err := sched.ParseSchedule(tok.schedule)
	if err != nil {
		return nil, fmt.Errorf("sim: LOCKCHECK_REPLAY: %w", err)
	}
	s.rep.Mode, s.rep.Scenarios = "controlled", 1
	f := s.onceWith(tok.scenario, &plan{strategy: sched.Replay(sch), info: tok.info, trace: true})
	if s.err != nil {
		return nil, s.err
	}
	if f == nil || f.ctl == nil {
		return nil, errors.New("sim: LOCKCHECK_REPLAY: the run did not fail: the lock, its test or the harness changed since the token was made, or the lock does something the scheduler does not control")
	}
	s.complete(f, tok)
	s.finish(f)
	s.rep.Failure = f
	s.rep.Elapsed = time.Since(s.start)
	return &s.rep, nil
}

// escaped ends controlled mode for the rest of the search.
func (s *search) escaped(err error) {
	if s.ctl == nil {
		return
	}
	s.ctl = nil
	s.rep.Mode = "stress"
	what, _, _ := strings.Cut(err.Error(), "\n") // the first line says what and where; then comes a stack
	s.rep.ModeReason = fmt.Sprintf("controlled mode stopped: %s; the search went on in stress mode", what)
	if s.found != nil {
		s.shrinkEnd = time.Now() // keep the controlled failure found
	}
}

// logMode logs the mode of Check's search.
func logMode(t *testing.T, rep *Report) {
	t.Helper()
	if rep.ModeReason != "" {
		t.Logf("lockcheck: mode: %s (%s)", rep.Mode, rep.ModeReason)
	} else {
		t.Logf("lockcheck: mode: %s", rep.Mode)
	}
}

// traceTail is how many lines of a trace a report shows.
const traceTail = 40

// foldMin is the shortest run of repeated steps that a trace folds.
const foldMin = 4

// traceText renders the part of a controlled run's trace that matters:
// the last lines up to the return of the operation a violation or a broken
// contract is marked on (the end of the run otherwise). A line is a step:
// its number, the goroutine (client i, the harness, or a goroutine the
// lock started), the source position of the operation, the operation and
// the value it read or wrote; ⇢ marks a preemption. The harness's marks at
// the call and the return of each operation show as ┌ and └ lines, with
// the history's marks (◀) on them. Runs of steps that repeat one of the
// dozen steps before them (goroutines spinning) are folded into one line.
func (f *Failure) traceText() string {
	ev, clients := f.Trace, len(f.Scenario.Clients)
	var harness map[int]bool
	var marks []markLabel
	if f.ctl != nil {
		harness, marks = f.ctl.harness, f.ctl.marks
	}
	pos := ""
	if p := markPos.Load(); p != nil {
		pos = *p
	}
	// The history's marks, by (client, slot).
	opMarks := map[[2]int]string{}
	slots := map[int]int{}
	target := [2]int{-1, -1} // the operation the trace ends at
	for i, op := range f.History {
		k := [2]int{op.Client, slots[op.Client]}
		slots[op.Client]++
		if m, ok := f.Marks[i]; ok {
			opMarks[k] = m
			if target[0] < 0 && (f.Kind == Violation || f.Kind == Contract) {
				target = k
			}
		}
	}
	// Label the marks' steps, and find the end.
	labels := map[int]markLabel{}
	end := len(ev)
	j := 0
	for i, e := range ev {
		if e.Pos != pos || j >= len(marks) {
			continue
		}
		labels[i] = marks[j]
		if m := marks[j]; m.ret && [2]int{m.client, m.slot} == target {
			end = i + 1
		}
		j++
	}
	// Fold repeated steps.
	type item struct{ first, n int } // steps first..first+n-1; n > 1: folded
	var items []item
	type key struct {
		g            int
		pos, op, val string
	}
	var recent []key
	run := 0 // repeated steps just before i
	flush := func(i int) {
		if run >= foldMin {
			items = append(items, item{i - run, run})
		} else {
			for k := i - run; k < i; k++ {
				items = append(items, item{k, 1})
			}
		}
		run = 0
	}
	for i := 0; i < end; i++ {
		e := ev[i]
		k := key{e.G, e.Pos, e.Op, e.Value}
		_, marked := labels[i]
		if !marked && !e.Preempt && slices.Contains(recent, k) {
			run++
		} else {
			flush(i)
			items = append(items, item{i, 1})
		}
		recent = append(recent, k)
		if len(recent) > 12 {
			recent = recent[1:]
		}
	}
	flush(end)
	first := max(0, len(items)-traceTail)
	shown := items[first:]

	who := func(g int) string {
		switch {
		case g == sched.TimerG:
			return "timer"
		case g < clients:
			return fmt.Sprintf("client %d", g)
		case harness[g]:
			return "harness"
		}
		return fmt.Sprintf("goroutine %d", g)
	}
	wWho, wPos, timed := len("goroutine"), len("where"), false
	for _, it := range shown {
		e := ev[it.first]
		wWho, wPos = max(wWho, len(who(e.G))), max(wPos, len(e.Pos))
		timed = timed || e.Time != 0
	}
	var b strings.Builder
	span := "no steps"
	if len(shown) > 0 {
		span = fmt.Sprintf("steps %d to %d of %d", shown[0].first+1, end, len(ev))
	}
	if end < len(ev) {
		span += ", up to the return of the operation marked ◀"
	}
	fmt.Fprintf(&b, "trace (%s; ┌ └ a client's call and return, ⇢ a preemption: the scheduler switched away from a goroutine that could go on):\n", span)
	fmt.Fprintf(&b, "    %6s  %-*s  %-*s  ", "step", wWho, "goroutine", wPos, "where")
	if timed {
		fmt.Fprintf(&b, "%8s  ", "time")
	}
	b.WriteString("operation\n")
	for _, it := range shown {
		e := ev[it.first]
		if it.n > 1 {
			fmt.Fprintf(&b, "    %6s  … %d steps that repeat steps just above (spinning) …\n", "", it.n)
			continue
		}
		mark := "  "
		if e.Preempt {
			mark = "⇢ "
		}
		where := e.Pos
		l, isMark := labels[it.first]
		if isMark || where == "?" {
			where = ""
		}
		fmt.Fprintf(&b, "  %s%6d  %-*s  %-*s  ", mark, it.first+1, wWho, who(e.G), wPos, where)
		if timed {
			fmt.Fprintf(&b, "%8s  ", "+"+e.Time.String())
		}
		switch {
		case isMark && l.ret:
			b.WriteString("└ " + l.text)
		case isMark:
			b.WriteString("┌ " + l.text)
		default:
			b.WriteString(e.Op)
			if e.Value != "" {
				b.WriteString(": " + e.Value)
			}
		}
		if m, ok := opMarks[[2]int{l.client, l.slot}]; isMark && ok && (l.ret || !slices.ContainsFunc(marks, func(o markLabel) bool {
			return o.ret && o.client == l.client && o.slot == l.slot
		})) {
			b.WriteString("  " + m)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// withControlled runs the search in controlled mode even in a plain build
// (tests of the harness: their locks call package sched directly).
func withControlled() Option { return func(c *config) { c.forceControlled = true } }

// withReplay replays token instead of searching, as LOCKCHECK_REPLAY does.
func withReplay(token string) Option { return func(c *config) { c.replay = token } }
