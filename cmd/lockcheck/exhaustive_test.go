package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestExhaustive runs the exhaustive explorations of lock/ and zoo/ under
// `lockcheck test` (they skip in a plain go test): lock.Lock passes every
// schedule with at most 2 preemptions of every scenario of at most 2
// clients with at most 3 operations in all; every broken zoo lock is caught
// on its smallest failing scenario with the fewest preemptions, and the
// correct zoo locks pass. It costs about a minute on 2 cores (building the
// instrumented test binaries, then about 20 s of exploration).
func TestExhaustive(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "-count=1", "-v", "-timeout=10m", "-run", "^TestExhaustive", "../../lock", "../../zoo"}, &stdout, &stderr)
	out := stdout.String()
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		"--- PASS: TestExhaustive ", "--- PASS: TestExhaustiveCatches", "--- PASS: TestExhaustiveCorrect",
		"--- PASS: TestExhaustiveTimerRaces",
		"of every scenario of at most 2 clients with at most 3 operations in all (2,358 scenarios)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--- SKIP") {
		t.Errorf("an exhaustive test skipped under lockcheck test:\n%s", out)
	}
	if m := regexp.MustCompile(`lockcheck: exhaustive: all ([0-9,]+) schedules[^\n]*3 operations[^\n]*; ([0-9,]+) runs in ([^\n]+)`).FindStringSubmatch(out); m != nil {
		t.Logf("lock.Lock: %s schedules, %s runs, %s", m[1], m[2], m[3])
	}
}

// TestExhaustiveEnv: with LOCKCHECK_EXHAUSTIVE set, lockcheck test turns
// sim.Check into the exhaustive exploration: the correct spin lock of the
// fixture passes with a statement of what was covered, the broken one
// fails in the exhaustive mode with a replay command. And the exploration
// of 2 clients × 3 operations catches a mutant of lock.Lock (the spin
// model's first broken variant: a waiter enqueued on a free lock).
func TestExhaustiveEnv(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	t.Setenv("LOCKCHECK_EXHAUSTIVE", "2,2,2")
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "-count=1", "-v", "./testdata/ctl/exh", "./testdata/ctl/mutant"}, &stdout, &stderr)
	out := stdout.String()
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the broken lock fails)\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		"--- PASS: TestSpin",
		"lockcheck: exhaustive: all ", "of every scenario of at most 2 clients with at most 2 operations in all",
		"--- FAIL: TestCheckThenSet", "lockcheck: linearizability violation", "mode: controlled (exhaustive;",
		"replay: go run github.com/lockcheck/lockcheck/cmd/lockcheck test -replay=",
		"--- FAIL: TestMutantExhaustive", "with at most 2 preemptions, and none with fewer fails",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}
