package sim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sched"
)

func TestScenariosEnumeration(t *testing.T) {
	cases := []struct {
		kinds        []model.Kind
		clients, ops int
		want         int
	}{
		{model.Kinds, 2, 3, 2358},       // 9 + (81 + 81) + (729 + 2·729)
		{model.Kinds, 1, 2, 90},         // 9 + 81
		{model.Kinds, 3, 3, 2358 + 729}, // and 3 clients of one step
		{[]model.Kind{model.Acquire, model.TryAcquire, model.Release}, 2, 3, 102},
	}
	for _, tc := range cases {
		alpha := Alphabet(tc.kinds)
		n, last := 0, -1
		seen := map[string]bool{}
		Scenarios(alpha, tc.clients, tc.ops, func(sc Scenario) bool {
			n++
			if sc.ops() < last {
				t.Fatalf("%s comes after a scenario of %d operations", sc, last)
			}
			last = sc.ops()
			if len(sc.Clients) > tc.clients || sc.ops() > tc.ops || seen[sc.String()] {
				t.Fatalf("bad or repeated scenario %s", sc)
			}
			seen[sc.String()] = true
			return true
		})
		if n != tc.want {
			t.Errorf("%d kinds, %d clients, %d ops: %d scenarios, want %d", len(tc.kinds), tc.clients, tc.ops, n, tc.want)
		}
	}
	if a := Alphabet(model.Kinds); len(a) != 9 {
		t.Errorf("alphabet of every kind: %v", a)
	}
}

func TestExhaustiveEnv(t *testing.T) {
	cases := []struct {
		v                 string
		clients, ops, k   int
		free, timers, bad bool
	}{
		{v: "2,3", clients: 2, ops: 3, k: DefaultPreemptions},
		{v: "2,3,1", clients: 2, ops: 3, k: 1},
		{v: "3, 2, 0", clients: 3, ops: 2, k: 0},
		{v: "2,3,2,free", clients: 2, ops: 3, k: 2, free: true},
		{v: "2,3,2,timers", clients: 2, ops: 3, k: 2, timers: true},
		{v: "2,3,2,free,timers", clients: 2, ops: 3, k: 2, free: true, timers: true},
		{v: "2", bad: true}, {v: "0,3", bad: true}, {v: "2,x", bad: true}, {v: "2,3,-1", bad: true}, {v: "2,3,2,nope", bad: true},
	}
	for _, tc := range cases {
		c, o, k, opts, err := exhaustiveEnv(tc.v)
		if tc.bad {
			if !errors.Is(err, ErrExhaustiveEnv) {
				t.Errorf("%q: err %v, want ErrExhaustiveEnv", tc.v, err)
			}
			continue
		}
		cfg, _ := newConfig(opts)
		if err != nil || c != tc.clients || o != tc.ops || k != tc.k || cfg.preemptions != tc.k || cfg.freeSwitches != tc.free || cfg.timerRaces != tc.timers {
			t.Errorf("%q: %d,%d,%d,%+v,%v", tc.v, c, o, k, cfg, err)
		}
	}
}

// TestExhaustivePassesCorrect: correct locks on sched's primitives pass
// every scenario of 2 clients with up to 2 operations, and the coverage
// statement says so.
func TestExhaustivePassesCorrect(t *testing.T) {
	for _, tc := range []struct {
		name string
		mk   func() Lock
	}{{"channel", func() Lock { return make(ctlChanLock, 1) }}, {"cond", newCondLock}} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ExploreLock(tc.mk, 2, 2, withControlled())
			if err != nil {
				t.Fatal(err)
			}
			if e.Failure != nil {
				t.Fatal(e.Failure.Error())
			}
			if !e.Complete || e.Schedules < e.Scenarios || !strings.HasPrefix(e.Coverage(), "all ") {
				t.Fatalf("%+v: %s", e, e.Coverage())
			}
			t.Log(e.Coverage())
		})
	}
}

// TestExhaustiveCatches: the exploration catches check-then-set and the
// lost wake-up on a smallest failing scenario, with a schedule of the
// fewest preemptions: exploring that scenario with one preemption fewer
// passes, and the reported failure replays.
func TestExhaustiveCatches(t *testing.T) {
	for _, tc := range []struct {
		name string
		mk   func() Lock
		kind FailureKind
		ops  int // the smallest failing scenario's size
	}{
		{"check-then-set", func() Lock { return new(ctsLock) }, Violation, 2},
		{"lost wake-up", func() Lock { return new(lostWakeLock) }, Stuck, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ExploreLock(tc.mk, 2, 3, withControlled(), WithHTMLDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			f := e.Failure
			if f == nil || f.Kind != tc.kind {
				t.Fatalf("want a %s, got %v (%s)", tc.kind, f, e.Coverage())
			}
			if f.Scenario.ops() != tc.ops {
				t.Fatalf("failing scenario of %d operations, want %d:\n%s", f.Scenario.ops(), tc.ops, f.Error())
			}
			if !strings.Contains(f.Replay, "-replay=") || len(f.Trace) == 0 || e.Preempted != e.Schedule.Preemptions() {
				t.Fatalf("replay %q, %d trace steps, preempted %d, schedule %s", f.Replay, len(f.Trace), e.Preempted, e.Schedule)
			}
			// Fewest: the failing scenario passes with one preemption fewer.
			if e.Preempted > 0 {
				cfg, _ := newConfig([]Option{withControlled(), WithExhaustive(e.Preempted - 1)})
				s := &search{cfg: cfg, newTarget: sharedTarget(tc.mk), ctl: newCtlSearch(1)}
				var again Exploration
				again.Complete = true
				if g := s.exploreScenario(f.Scenario, &again); g != nil || !again.Complete {
					t.Fatalf("the failing scenario also fails with %d preemptions", e.Preempted-1)
				}
			}
			// The replay token reproduces the failure.
			tok := f.Replay[strings.Index(f.Replay, "-replay=")+len("-replay="):]
			tok = tok[:strings.IndexByte(tok, ' ')]
			rep, err := RunLock(tc.mk, withControlled(), withReplay(tok), WithHTMLDir(t.TempDir()))
			if err != nil || rep.Failure == nil || rep.Failure.Kind != tc.kind {
				t.Fatalf("replay: %v, %+v", err, rep)
			}
			t.Logf("%s with %d preemption(s) after %s", f.Kind, e.Preempted, e.Coverage())
		})
	}
}

// TestExhaustiveNeedsControlled: outside controlled mode nothing is
// explored, and the exploration says why.
func TestExhaustiveNeedsControlled(t *testing.T) {
	e, err := ExploreLock(func() Lock { return make(ctlChanLock, 1) }, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sched.Enabled() {
		t.Skip("a controlled build")
	}
	if e.Mode != "stress" || e.Runs != 0 || e.ModeReason == "" || !strings.HasPrefix(e.Coverage(), "nothing") {
		t.Fatalf("%+v: %s", e, e.Coverage())
	}
	if _, err := ExploreLock(func() Lock { return make(ctlChanLock, 1) }, 0, 2); err == nil {
		t.Fatal("0 clients accepted")
	}
}

// ExampleExploreLock proves a correct lock for every scenario of at most 2
// clients with at most 2 operations in all, every schedule with at most 2
// preemptions, and finds the race of a broken one on its smallest
// scenario. (The locks here call package sched directly, as rewritten code
// does; withControlled stands for a build by `lockcheck test`.)
func ExampleExploreLock() {
	e, _ := ExploreLock(func() Lock { return newCondLock() }, 2, 2, withControlled())
	fmt.Println(e.Coverage())
	dir, _ := os.MkdirTemp("", "lockcheck-example-") // for the failure's visualization
	defer os.RemoveAll(dir)
	e, _ = ExploreLock(func() Lock { return new(ctsLock) }, 2, 2, withControlled(), WithHTMLDir(dir))
	fmt.Printf("%s with %d preemption(s) on %s\n", e.Failure.Kind, e.Preempted, e.Failure.Scenario)
	// Output:
	// all 180 schedules with at most 2 preemptions (every choice off the default rule counted) of every scenario of at most 2 clients with at most 2 operations in all (21 scenarios)
	// linearizability violation with 1 preemption(s) on 2 clients, 2 operations
	//   client 0: acquire
	//   client 1: acquire
}

// TestExhaustiveStopped: an exploration stopped by its context is not
// exhaustive, and says so.
func TestExhaustiveStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e, err := ExploreLock(func() Lock { return make(ctlChanLock, 1) }, 2, 2, withControlled(), WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if e.Complete || !strings.Contains(e.Coverage(), "NOT exhaustive: stopped") {
		t.Fatalf("%+v: %s", e, e.Coverage())
	}
}

// TestExhaustiveProgress: progress reports count scenarios and schedules.
func TestExhaustiveProgress(t *testing.T) {
	var got []Progress
	if _, err := ExploreLock(newCondLock, 2, 2, withControlled(), WithProgress(func(p Progress) { got = append(got, p) })); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no progress report")
	}
	for _, p := range got {
		if p.Scenarios == 0 {
			t.Fatalf("a report without the exploration's counts: %+v", p)
		}
	}
}
