package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/sim"
)

// verdictPass is the verdict of a lock the harness found no failure in.
const verdictPass = "pass"

// result is the JSON object --json prints. Fields that do not apply to a
// command are left out.
type result struct {
	Command string `json:"command"` // "lockcheck", "run", "check" or "drive"
	Exit    int    `json:"exit"`    // the exit status
	OK      bool   `json:"ok"`      // Exit == 0
	Error   string `json:"error,omitempty"`

	*RunResult                // run and drive
	Locks      []*RunResult   `json:"locks,omitempty"`        // lockcheck without a command
	Files      []*fileResult  `json:"files,omitempty"`        // check
	Driver     []string       `json:"driver,omitempty"`       // drive: the command
	Ops        []string       `json:"driver_ops,omitempty"`   // drive: the operations the driver offers
	Lock       string         `json:"lock,omitempty"`         // drive: the lock's semantics: "unowned", "owned" (--owned) or "reentrant" (--reentrant)
	DriverErr  *driverFailure `json:"driver_error,omitempty"` // drive: how the driver misbehaved
}

// RunResult is the outcome of the harness on one lock.
type RunResult struct {
	Impl       string   `json:"impl,omitempty"`
	Expected   string   `json:"expected,omitempty"` // "pass" or a sim.FailureKind
	Verdict    string   `json:"verdict"`            // "pass" or a sim.FailureKind, or "error"
	Histories  int      `json:"histories"`
	Operations int      `json:"operations"`
	Scenarios  int      `json:"scenarios"`
	Elapsed    float64  `json:"elapsed_seconds"`
	Failure    *failure `json:"failure,omitempty"`
	Err        string   `json:"run_error,omitempty"` // the harness could not run
}

type failure struct {
	Kind     string `json:"kind"`
	Summary  string `json:"summary"`
	Scenario string `json:"scenario,omitempty"`
	Timeline string `json:"timeline,omitempty"`
	HTML     string `json:"html,omitempty"`
}

type driverFailure struct {
	Kind    string `json:"kind"` // a driver.ErrorKind: "exited", "garbage", "protocol", "no answer"
	Message string `json:"message"`
	Stderr  string `json:"stderr,omitempty"`
}

func newRunResult(impl string, rep *sim.Report) *RunResult {
	r := &RunResult{Impl: impl, Verdict: verdictPass, Histories: rep.Histories, Operations: rep.Operations,
		Scenarios: rep.Scenarios, Elapsed: rep.Elapsed.Seconds()}
	if f := rep.Failure; f != nil {
		r.Verdict = string(f.Kind)
		r.Failure = &failure{Kind: string(f.Kind), Summary: f.Summary, HTML: f.HTML}
		if len(f.Scenario.Clients) > 0 {
			r.Failure.Scenario = f.Scenario.String()
		}
		if len(f.History) > 0 {
			r.Failure.Timeline = history.Timeline(f.History, f.Marks)
		}
	}
	return r
}

func writeJSON(w io.Writer, r *result) int {
	r.OK = r.Exit == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return exitBadUse
	}
	return r.Exit
}

// counts renders a report's numbers for a reader.
func counts(rep *sim.Report) string {
	rate := ""
	if s := rep.Elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(", %.0f histories/s", float64(rep.Histories)/s)
	}
	return fmt.Sprintf("%d histories (%d operations, %d scenarios) in %v%s",
		rep.Histories, rep.Operations, rep.Scenarios, rep.Elapsed.Round(time.Millisecond), rate)
}

// harnessFlags are the flags of the commands that run the harness.
type harnessFlags struct {
	duration time.Duration
	shrink   time.Duration
	clients  int
	seed     string
	html     string
	record   string
	json     bool
	progress bool
}

func (h *harnessFlags) register(fs *flag.FlagSet, stderr io.Writer, duration, shrink time.Duration, one bool) {
	fs.DurationVar(&h.duration, "duration", duration, "how long to search for a failure (per lock; LOCKCHECK_DURATION in the environment sets a minimum)")
	fs.DurationVar(&h.shrink, "shrink", shrink, "how long to minimize a failure, at most")
	fs.StringVar(&h.html, "html", "", "write porcupine's visualization of a failure to `DIR` (default: a new temporary directory)")
	fs.BoolVar(&h.json, "json", false, "print one JSON result object on stdout")
	fs.BoolVar(&h.progress, "progress", isTerminal(stderr), "show a progress line on stderr (default: when stderr is a terminal)")
	if one {
		fs.IntVar(&h.clients, "clients", 0, "use exactly `N` concurrent clients (default: 2 to 8)")
		fs.StringVar(&h.seed, "seed", "", "rapid's `SEED` for generating scenarios (default: random)")
		fs.StringVar(&h.record, "record", "", "write every checked history to `DIR` in the history file format")
	}
}

// options checks the flags and turns them into harness options: defaults
// holds those of flags left at their defaults, which a zoo entry's own
// options may override (a lock whose bug takes longer to find may ask for
// a longer search); set holds those of flags given on the command line,
// which override the entry's.
func (h *harnessFlags) options(fs *flag.FlagSet) (defaults, set []sim.Option, err error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	add := func(name string, o sim.Option) {
		if given[name] {
			set = append(set, o)
		} else {
			defaults = append(defaults, o)
		}
	}
	if h.duration <= 0 {
		return nil, nil, fmt.Errorf("--duration must be positive, not %v", h.duration)
	}
	if h.shrink <= 0 {
		return nil, nil, fmt.Errorf("--shrink must be positive, not %v", h.shrink)
	}
	add("duration", sim.WithDuration(h.duration))
	add("shrink", sim.WithShrinkTime(h.shrink))
	if h.clients != 0 {
		if h.clients < 1 || h.clients > 64 {
			return nil, nil, fmt.Errorf("--clients must be between 1 and 64, not %d", h.clients)
		}
		add("clients", sim.WithClients(h.clients, h.clients))
	}
	if h.html != "" {
		add("html", sim.WithHTMLDir(h.html))
	}
	if h.record != "" {
		if err := os.MkdirAll(h.record, 0o755); err != nil {
			return nil, nil, fmt.Errorf("--record: %v", err)
		}
		add("record", sim.WithRecord(h.record))
	}
	if h.seed != "" {
		seed, err := strconv.ParseUint(h.seed, 10, 64)
		if err != nil || seed == 0 {
			return nil, nil, fmt.Errorf("--seed %q is not a positive integer", h.seed)
		}
		add("seed", sim.WithSeed(seed))
	}
	return defaults, set, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine draws the progress line on stderr: redrawn in place on a
// terminal, one line a second otherwise.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	tty   bool
	last  time.Time
	drawn int
}

func newProgress(w io.Writer, on bool) *progressLine {
	return &progressLine{w: w, on: on, tty: isTerminal(w)}
}

// option returns the harness option that reports progress under label.
func (p *progressLine) option(label string) sim.Option {
	return sim.WithProgress(func(pr sim.Progress) { p.show(label, pr) })
}

func (p *progressLine) show(label string, pr sim.Progress) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty && time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("%s: %d histories, %d operations, %v", label, pr.Histories, pr.Operations, pr.Elapsed.Round(100*time.Millisecond))
	if pr.Shrinking {
		line += " (found a failure; minimizing it)"
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
		p.drawn = len(line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// clear removes the progress line before other output.
func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.drawn > 0 {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = 0
	}
}
