package zoo_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// exhaustiveSize is the size of the exhaustive exploration that catches
// each broken lock: at most 2 clients with at most 3 operations in all,
// but for the two bugs whose smallest failing scenario has 4 operations
// (if-not-for needs a holder that releases and takes the lock again while
// a signalled waiter has not run yet; timeout-keeps-grant needs a release
// that comes exactly as a waiter's timer fires, so the releaser must itself
// wait for a timer of the same length first).
var exhaustiveSize = map[string]int{"if-not-for": 4, "timeout-keeps-grant": 4}

// exhaustiveOptions are the options a bug needs beyond the defaults:
// timeout-uncounted-waiter's timed waiter misses a release's wake-up, which
// only a timed waiter with time left to be judged shows (a long timeout).
var exhaustiveOptions = map[string][]sim.Option{"timeout-uncounted-waiter": {sim.WithLongTimeouts()}}

// TestExhaustiveCatches: the exhaustive exploration (preemption bound 2)
// catches every broken lock of the zoo, for the right reason, on a smallest
// failing scenario (scenarios come smallest first) and a schedule with the
// fewest preemptions (iterative deepening), with a replay command. It runs
// under `lockcheck test` (cmd/lockcheck's TestExhaustiveZoo runs it); a
// plain go test skips it.
func TestExhaustiveCatches(t *testing.T) {
	if !sched.Enabled() {
		t.Skip("exhaustive exploration needs controlled mode: go run ./cmd/lockcheck test -run TestExhaustive ./zoo/")
	}
	for _, e := range zoo.All() {
		if e.Correct {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			ops := exhaustiveSize[e.Name]
			if ops == 0 {
				ops = 3
			}
			opts := append([]sim.Option{sim.WithExhaustive(2), sim.WithHTMLDir(t.TempDir())}, exhaustiveOptions[e.Name]...)
			x, err := sim.ExploreLock(e.New, 2, ops, append(opts, e.Options...)...)
			if err != nil {
				t.Fatal(err)
			}
			if x.Mode != "controlled" {
				t.Fatalf("mode %s: %s", x.Mode, x.ModeReason)
			}
			f := x.Failure
			if f == nil {
				t.Fatalf("not caught: %s", x.Coverage())
			}
			if f.Kind != e.Expect {
				t.Fatalf("caught as %s, want %s:\n%s", f.Kind, e.Expect, f.Error())
			}
			if f.Replay == "" || len(f.Trace) == 0 {
				t.Fatalf("no replay command or trace:\n%s", f.Error())
			}
			t.Logf("%s with %d preemption(s) on %s; %s in %v", f.Kind, x.Schedule.Preemptions(), f.Scenario, x.Coverage(), x.Elapsed.Round(1e6))
			if dir := os.Getenv("LOCKCHECK_INTERLEAVINGS_DIR"); dir != "" {
				writeInterleaving(t, filepath.Join(dir, e.Name+".json"), e, x)
			}
		})
	}
}

// TestExhaustiveCorrect: the correct locks of the zoo other than lock.Lock
// (lock/'s TestExhaustive explores it) pass every scenario of 2 clients with
// up to 2 operations at preemption bound 2. The slow lock is left out: it
// draws random sleeps, so its runs are not deterministic.
func TestExhaustiveCorrect(t *testing.T) {
	if !sched.Enabled() {
		t.Skip("exhaustive exploration needs controlled mode: go run ./cmd/lockcheck test -run TestExhaustive ./zoo/")
	}
	for _, e := range zoo.All() {
		if !e.Correct || e.Name == "lock" || e.Name == "slow" {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			sim.Exhaustive(t, e.New, 2, 2, e.Options...)
		})
	}
}

// interleaving is what docs/gen draws for docs/interleavings.md: a broken
// lock's failing run as the exhaustive exploration reports it.
type interleaving struct {
	Name, Bug, Kind, Summary, Scenario, Schedule, Replay, Coverage, Timeline string
	Scripts                                                                  [][]string // each client's operations
	Preemptions                                                              int
	Steps                                                                    []step
}

type step struct {
	Who, Pos, Op, Value string
	Preempt             bool
}

// writeInterleaving writes the failure of x to path as JSON (docs/gen
// sets LOCKCHECK_INTERLEAVINGS_DIR).
func writeInterleaving(t *testing.T, path string, e zoo.Entry, x *sim.Exploration) {
	f := x.Failure
	il := interleaving{Name: e.Name, Bug: e.Bug, Kind: string(f.Kind), Summary: f.Summary, Scenario: f.Scenario.String(),
		Schedule: x.Schedule.String(), Replay: f.Replay, Coverage: x.Coverage(), Preemptions: x.Preempted,
		Timeline: history.Timeline(f.History, f.Marks)}
	for _, c := range f.Scenario.Clients {
		var ops []string
		for _, st := range c {
			ops = append(ops, st.String())
		}
		il.Scripts = append(il.Scripts, ops)
	}
	for _, ev := range f.Trace {
		il.Steps = append(il.Steps, step{Who: f.Goroutine(ev.G), Pos: ev.Pos, Op: ev.Op, Value: ev.Value, Preempt: ev.Preempt})
	}
	b, err := json.MarshalIndent(il, "", "  ")
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestExhaustiveTimerRaces: timeout-keeps-grant's bug is a release that
// hands the lock over exactly as the waiter's timer fires. By default a
// timer fires only when nothing else can run, so no scenario of 2 clients
// × 3 operations shows it (its smallest failing one has 4 operations, see
// exhaustiveSize); with sim.WithTimerRaces a timer may fire in the middle
// of the release, and a 3-operation scenario fails.
func TestExhaustiveTimerRaces(t *testing.T) {
	if !sched.Enabled() {
		t.Skip("exhaustive exploration needs controlled mode: go run ./cmd/lockcheck test -run TestExhaustive ./zoo/")
	}
	e, _ := zoo.Lookup("timeout-keeps-grant")
	x, err := sim.ExploreLock(e.New, 2, 3, e.Options...)
	if err != nil {
		t.Fatal(err)
	}
	if x.Failure != nil || !x.Complete {
		t.Fatalf("without timer races: %s", x.Coverage())
	}
	x, err = sim.ExploreLock(e.New, 2, 3, append([]sim.Option{sim.WithTimerRaces(), sim.WithHTMLDir(t.TempDir())}, e.Options...)...)
	if err != nil {
		t.Fatal(err)
	}
	if x.Failure == nil || x.Failure.Kind != e.Expect || x.Failure.Replay == "" {
		t.Fatalf("with timer races: %s", x.Coverage())
	}
	if !strings.Contains(x.Schedule.String(), "t") {
		t.Errorf("the failing schedule %s fires no timer early", x.Schedule)
	}
	t.Logf("%s with %d preemption(s) (schedule %s) on %s", x.Failure.Kind, x.Preempted, x.Schedule, x.Failure.Scenario)
}
