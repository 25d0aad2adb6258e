package zoo_test

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

func envInt(t *testing.T, name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a positive integer", name, v)
	}
	return n
}

// TestPower, with LOCKCHECK_POWER=1, measures how fast the harness finds
// each broken lock's bug: LOCKCHECK_POWER_RUNS (default 10) searches of up
// to LOCKCHECK_POWER_BUDGET (default 60s) each, with no minimization, and
// the median and maximum time and number of histories to the first
// failure. It prints a Markdown table (docs/power.md has one).
func TestPower(t *testing.T) {
	if os.Getenv("LOCKCHECK_POWER") != "1" {
		t.Skip("set LOCKCHECK_POWER=1 to measure the harness's power")
	}
	runs := envInt(t, "LOCKCHECK_POWER_RUNS", 10)
	budget := 60 * time.Second
	if v := os.Getenv("LOCKCHECK_POWER_BUDGET"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		budget = d
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| lock | expected | caught | right kind | median time | max time | median histories | max histories |\n")
	fmt.Fprintf(&table, "|---|---|---|---|--:|--:|--:|--:|\n")
	for _, e := range zoo.All() {
		if e.Correct {
			continue
		}
		if only := os.Getenv("LOCKCHECK_ZOO"); only != "" && !strings.Contains(","+only+",", ","+e.Name+",") {
			continue
		}
		var times []time.Duration
		var hists []int
		caught, right := 0, 0
		mode := ""
		for range runs {
			// No minimization: the search stops at the first failure,
			// so Elapsed and Histories measure the search alone (plus
			// writing the visualization).
			opts := append([]sim.Option{sim.WithShrinkTime(0), sim.WithDuration(budget),
				sim.WithHTMLDir(t.TempDir())}, e.Options...)
			rep, err := sim.RunLock(e.New, opts...)
			if err != nil {
				t.Fatal(err)
			}
			mode = rep.Mode
			times = append(times, rep.Elapsed)
			hists = append(hists, rep.Histories)
			if rep.Failure != nil {
				caught++
				if rep.Failure.Kind == e.Expect {
					right++
				} else {
					t.Errorf("%s: %s, want %s", e.Name, rep.Failure.Kind, e.Expect)
				}
			}
		}
		slices.Sort(times)
		slices.Sort(hists)
		line := fmt.Sprintf("| %s | %s | %d/%d | %d/%d | %v | %v | %d | %d |", e.Name, short(e.Expect), caught, runs, right, caught,
			median(times).Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), median(hists), hists[len(hists)-1])
		t.Log(line)
		t.Logf("%s: mode %s, times %v", e.Name, mode, roundAll(times))
		table.WriteString(line + "\n")
	}
	t.Logf("GOMAXPROCS=%d, %d runs each, budget %v:\n%s", runtime.GOMAXPROCS(0), runs, budget, table.String())
}

func short(k sim.FailureKind) string {
	switch k {
	case sim.Violation:
		return "Violation"
	case sim.Stuck:
		return "Stuck"
	case sim.Contract:
		return "Contract"
	case sim.Early:
		return "Early"
	}
	return string(k)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// median of sorted xs (the lower middle one for an even count).
func median[T any](xs []T) T { return xs[(len(xs)-1)/2] }
