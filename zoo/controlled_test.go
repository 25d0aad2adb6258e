package zoo_test

import (
	"encoding/base64"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// replayToken finds the token in a replay command.
var replayToken = regexp.MustCompile(`-replay=([A-Za-z0-9_-]+)`)

// counterexample returns the size of a controlled failure's
// counterexample: its clients, and the choices of its minimized schedule
// that differ from the default rule (preemptions and select choices), read
// from the replay token (its last line is the schedule, "v1-3g1-9c0").
// ok is false for a failure with no replay command (stress mode).
func counterexample(f *sim.Failure) (clients, preemptions int, ok bool) {
	m := replayToken.FindStringSubmatch(f.Replay)
	if m == nil {
		return 0, 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(m[1])
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(raw), "\n")
	schedule := lines[len(lines)-1]
	return len(f.Scenario.Clients), strings.Count(schedule, "-"), true
}

// sizes summarizes the counterexamples of a soak: median and maximum
// clients and preemptions.
type sizes struct{ clients, preemptions []int }

func (s *sizes) add(f *sim.Failure) {
	if f == nil {
		return
	}
	if c, p, ok := counterexample(f); ok {
		s.clients = append(s.clients, c)
		s.preemptions = append(s.preemptions, p)
	}
}

// over counts the counterexamples with more than n clients.
func (s *sizes) over(n int) int {
	k := 0
	for _, c := range s.clients {
		if c > n {
			k++
		}
	}
	return k
}

// medMax is "median/max" of xs, "-" when empty.
func medMax(xs []int) string {
	if len(xs) == 0 {
		return "-"
	}
	ys := slices.Sorted(slices.Values(xs))
	return strconv.Itoa(median(ys)) + "/" + strconv.Itoa(ys[len(ys)-1])
}

// TestCheck, with LOCKCHECK_CHECK=1, checks every zoo lock (LOCKCHECK_ZOO
// restricts them) with sim.Check and its default options, as a user's
// test does: the correct locks pass, the broken ones fail with the report
// a user sees. Under `lockcheck test` (controlled mode) a failure's report
// ends with a `replay:` command that runs this test again on that lock
// alone with LOCKCHECK_REPLAY set, which this test also runs for, so the
// command replays the failure as it is printed. cmd/lockcheck's
// TestControlledZoo runs it end to end.
func TestCheck(t *testing.T) {
	if os.Getenv("LOCKCHECK_CHECK") != "1" && os.Getenv("LOCKCHECK_REPLAY") == "" {
		t.Skip("set LOCKCHECK_CHECK=1 to check the zoo's locks with sim.Check (the broken ones fail)")
	}
	for _, e := range zoo.All() {
		if only := os.Getenv("LOCKCHECK_ZOO"); only != "" && !strings.Contains(","+only+",", ","+e.Name+",") {
			continue
		}
		t.Run(e.Name, func(t *testing.T) { sim.Check(t, e.New, e.Options...) })
	}
}

// BenchmarkHistories measures the harness's rate on correct zoo locks
// (`lock` and `channel`; LOCKCHECK_ZOO names others): histories and
// operations checked per second of a 2 s search. Under a plain go test it
// measures stress mode, under `lockcheck test` controlled mode, which the
// sub-benchmark's name says, so that benchstat lines the two up:
//
//	go test -run '^$' -bench Histories ./zoo/
//	go run ./cmd/lockcheck test -run '^$' -bench Histories ./zoo/
func BenchmarkHistories(b *testing.B) {
	mode := "stress"
	if sched.Enabled() {
		mode = "controlled"
	}
	only := os.Getenv("LOCKCHECK_ZOO")
	if only == "" {
		only = "lock,channel"
	}
	for _, e := range zoo.All() {
		if !e.Correct || !strings.Contains(","+only+",", ","+e.Name+",") {
			continue
		}
		b.Run(e.Name+"/mode="+mode, func(b *testing.B) {
			for b.Loop() {
				opts := append([]sim.Option{sim.WithDuration(2 * time.Second), sim.WithHTMLDir(b.TempDir())}, e.Options...)
				rep, err := sim.RunLock(e.New, opts...)
				if err != nil || rep.Failure != nil || rep.Mode != mode {
					b.Fatal(err, rep.Failure, rep.Mode, rep.ModeReason)
				}
				b.ReportMetric(float64(rep.Histories)/rep.Elapsed.Seconds(), "histories/s")
				b.ReportMetric(float64(rep.Operations)/rep.Elapsed.Seconds(), "ops/s")
			}
		})
	}
}

// soakShrink is the option that LOCKCHECK_SOAK_SHRINK asks for: a bound on
// minimization other than run's, e.g. the default options' 10s.
func soakShrink(t *testing.T) []sim.Option {
	v := os.Getenv("LOCKCHECK_SOAK_SHRINK")
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("LOCKCHECK_SOAK_SHRINK=%q: %v", v, err)
	}
	return []sim.Option{sim.WithShrinkTime(d)}
}
