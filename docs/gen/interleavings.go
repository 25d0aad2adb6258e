package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// The interleavings page (docs/interleavings.md).
//
// The failing runs come from the real zoo locks under the controlled
// scheduler: gen runs
//
//	go run ./cmd/lockcheck test -count=1 -run 'TestExhaustiveCatches/^(NAMES)$' ./zoo/
//
// with LOCKCHECK_INTERLEAVINGS_DIR set, and zoo's TestExhaustiveCatches
// writes each broken lock's failure (found by the exhaustive exploration:
// its smallest failing scenario, on a schedule with the fewest preemptions)
// there as JSON, the trace included. gen draws each trace: one column per
// goroutine, one row per step, preemptions marked, and the value of the
// lock's state word after each step.

// interleavingLocks are the broken locks the page shows.
var interleavingLocks = []string{"check-then-set", "try-swap", "lost-wakeup"}

// interleaving is what zoo's TestExhaustiveCatches writes (see there).
type interleaving struct {
	Name, Bug, Kind, Summary, Scenario, Schedule, Replay, Coverage, Timeline string
	Scripts                                                                  [][]string
	Preemptions                                                              int
	Steps                                                                    []ilStep
}

type ilStep struct {
	Who, Pos, Op, Value string
	Preempt             bool
}

// runInterleavings runs the zoo's exhaustive test on the page's locks
// under `lockcheck test` and reads their failures.
func runInterleavings() ([]interleaving, error) {
	dir, err := os.MkdirTemp("", "lockcheck-interleavings-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "run", "./cmd/lockcheck", "test", "-count=1",
		"-run", "TestExhaustiveCatches/^("+strings.Join(interleavingLocks, "|")+")$", "./zoo/")
	cmd.Env = append(os.Environ(), "LOCKCHECK_INTERLEAVINGS_DIR="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("lockcheck test on ./zoo/: %v\n%s", err, out.String())
	}
	var ils []interleaving
	for _, name := range interleavingLocks {
		b, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			return nil, fmt.Errorf("the zoo's test wrote no failure for %s: %v\n%s", name, err, out.String())
		}
		var il interleaving
		if err := json.Unmarshal(b, &il); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		ils = append(ils, il)
	}
	return ils, nil
}

// bookkeeping reports whether a step is the harness's own (its clock,
// stamping a call or a return), not the lock's.
func bookkeeping(s ilStep) bool { return strings.HasPrefix(s.Pos, "controlled.go:") }

// stateAfter returns the value the state word holds after step s, given
// the value before: atomic operations on the lock's word report
// "old → new", "old → new (true)", "cur, not old (false)" or the value
// read; other steps leave it as it was.
func stateAfter(s ilStep, before string) string {
	if bookkeeping(s) || !strings.HasPrefix(s.Op, "atomic.") || s.Value == "" {
		return before
	}
	v := s.Value
	if i := strings.Index(v, " → "); i >= 0 {
		v = v[i+len(" → "):]
	} else if i := strings.Index(v, ", not "); i >= 0 {
		v = v[:i]
	}
	v, _, _ = strings.Cut(v, " (")
	return v
}

// columns lists the goroutines in order: clients, the harness, others.
func (il interleaving) columns() []string {
	var cols []string
	for _, s := range il.Steps {
		if !slices.Contains(cols, s.Who) {
			cols = append(cols, s.Who)
		}
	}
	rank := func(w string) int {
		switch {
		case strings.HasPrefix(w, "client"):
			return 0
		case w == "harness":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(cols, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return cols
}

// cellText is what a step's cell says. The harness stamps each call and
// each return of a client's operation: the n-th call of client i is the
// n-th operation of its script.
func (il interleaving) cellText(s ilStep, calls map[string]int) string {
	if bookkeeping(s) {
		n := calls[s.Who]
		calls[s.Who]++
		what := " the lock"
		var c int
		if _, err := fmt.Sscanf(s.Who, "client %d", &c); err == nil && c < len(il.Scripts) && n/2 < len(il.Scripts[c]) {
			what = " " + il.Scripts[c][n/2]
		}
		if n%2 == 0 {
			return "── calls" + what + " ──"
		}
		if what == " the lock" {
			return "── returns ──"
		}
		return "── returns from" + what + " ──"
	}
	t := s.Pos + "  " + strings.TrimPrefix(s.Op, "atomic.")
	if s.Value != "" {
		t += ": " + s.Value
	}
	return t
}

// svg draws the interleaving: a column per goroutine, a row per step, a
// red rule above each preemption, the state word in the last column.
func (il interleaving) svg() string {
	cols := il.columns()
	colOf := map[string]int{}
	for i, c := range cols {
		colOf[c] = i
	}
	calls := map[string]int{}
	texts := make([]string, len(il.Steps))
	states := make([]string, len(il.Steps))
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = textW(c)
	}
	state, hasState := "", false
	for i, s := range il.Steps {
		texts[i] = il.cellText(s, calls)
		widths[colOf[s.Who]] = max(widths[colOf[s.Who]], textW(texts[i]))
		state = stateAfter(s, state)
		hasState = hasState || state != ""
		states[i] = state
	}
	const rowH, head, numW, pad = 20.0, 64.0, 44.0, 18.0
	xs := make([]float64, len(cols)+1)
	xs[0] = margin + numW
	for i, w := range widths {
		xs[i+1] = xs[i] + w + pad
	}
	stateW := 0.0
	if hasState {
		stateW = max(textW("state word"), 6*charW) + pad
	}
	W := xs[len(cols)] + stateW + margin
	H := head + float64(len(il.Steps))*rowH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family='%s' font-size="%.0f">`+"\n",
		W, H, W, H, fontFamily, fontSize)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.1f" y="20" fill="%s" font-weight="bold">%s: %s with %d preemption(s)</text>`+"\n",
		margin, ink, esc(il.Name), esc(il.Kind), il.Preemptions)
	fmt.Fprintf(&b, `<text x="%.1f" y="38" fill="%s">%s</text>`+"\n", margin, faint, esc(il.Bug))
	for i, c := range cols {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="bold">%s</text>`+"\n", xs[i], head-6, ink, esc(c))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", xs[i]-6, head-2, xs[i]-6, H-30, grid)
	}
	if hasState {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="bold">state word</text>`+"\n", xs[len(cols)], head-6, ink)
	}
	for i, s := range il.Steps {
		y := head + float64(i)*rowH + 14
		if s.Preempt {
			ry := y - 14
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>`+"\n",
				margin, ry, W-margin, ry, redLine)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">⇢</text>`+"\n", margin+numW-16, y, redLine)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%d</text>`+"\n", margin, y, faint, i+1)
		colour := ink
		if bookkeeping(s) {
			colour = faint
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", xs[colOf[s.Who]], y, colour, esc(texts[i]))
		if hasState && (i == 0 || states[i] != states[i-1]) {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" font-weight="bold">%s</text>`+"\n", xs[len(cols)], y, redLine, esc(states[i]))
		} else if hasState {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", xs[len(cols)], y, faint, esc(states[i]))
		}
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">⇢ and the red rule: a preemption (the scheduler switched away from a goroutine that could go on). Grey rows: the harness stamping a call or a return.</text>`+"\n",
		margin, H-12, faint)
	b.WriteString("</svg>\n")
	return b.String()
}

// interleavingsPage writes docs/interleavings.md and its pictures.
func interleavingsPage(docs string, ils []interleaving) error {
	var b strings.Builder
	b.WriteString(`# Interleavings that break locks

<!-- Generated by go run ./docs/gen: do not edit. -->

Each picture below is a failing run of a broken lock of the zoo, as the
harness's controlled mode found it: ` + "`go run ./cmd/lockcheck test`" + ` built the
zoo with its synchronisation rewritten to call the scheduler (package
` + "`sched`" + `), and the **exhaustive exploration** (` + "`sim.ExploreLock`" + `, preemption
bound 2) ran every scenario of at most 2 clients, smallest first, each under
every schedule with at most 2 preemptions, fewest first. So the scenario is
a smallest one that fails, and the schedule has the fewest preemptions any
failing schedule of it has: the picture shows the whole bug and nothing
else.

How to read a picture: time runs down, one row per scheduling point (an
atomic operation, a mutex or channel operation, a select...), in the column
of the goroutine that took it, with its source line in the zoo and the value
it read or wrote. A red dashed rule marks a **preemption**: the scheduler
switched away from a goroutine that could have gone on. The last column is
the lock's **state word** after each step (for locks that have one; it is
red where it changed). Grey rows are the harness stamping the call and the
return of an operation: they are the history's real-time order.

The pages [bug-gallery.md](bug-gallery.md) (histories found by the stress
mode) and [power.md](power.md#exhaustive-exploration) (the figures of the
exploration) go with this one. The pictures are regenerated by
` + "`go run ./docs/gen`" + `; the runs are deterministic, so they change only when
the locks, the harness or the scheduler do.
`)
	for _, il := range ils {
		name := "interleaving-" + il.Name + ".svg"
		if err := os.WriteFile(filepath.Join(docs, "img", name), []byte(il.svg()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s.\n\n![%s: the failing interleaving](img/%s)\n\n", il.Name, upperFirst(il.Bug), il.Name, name)
		fmt.Fprintf(&b, "Found: a **%s** with %d preemption(s) (schedule `%s`) after %s.\n\n", il.Kind, il.Preemptions, il.Schedule, il.Coverage)
		fmt.Fprintf(&b, "```\n%s\n\n%s\n\nhistory (time runs down; one column per client):\n%s```\n\n", il.Scenario, il.Summary, il.Timeline)
		fmt.Fprintf(&b, "Replay it (from the module's root):\n\n```\n%s\n```\n", il.Replay)
	}
	return os.WriteFile(filepath.Join(docs, "interleavings.md"), []byte(b.String()), 0o644)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
