package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// sim.Run under "go test" would let rapid write fail files here, and
	// let rapid go on shrinking for 30s after the harness's budget is spent.
	_ = flag.Set("rapid.nofailfile", "true")
	_ = flag.Set("rapid.shrinktime", "3s")
	os.Exit(m.Run())
}

// lockcheck runs the command in-process.
func lockcheck(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	if s := out.String() + errb.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") {
		t.Errorf("lockcheck %q printed a panic or stack trace:\n%s", args, s)
	}
	return code, out.String(), errb.String()
}

func wantCode(t *testing.T, args []string, want int) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := lockcheck(t, args...)
	if code != want {
		t.Fatalf("lockcheck %q = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, stdout, stderr)
	}
	return stdout, stderr
}

func contains(t *testing.T, what, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			t.Errorf("%s lacks %q:\n%s", what, f, s)
		}
	}
}

func decode(t *testing.T, stdout string) *result {
	t.Helper()
	var r result
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("--json printed more than one value:\n%s", stdout)
	}
	if r.OK != (r.Exit == 0) {
		t.Errorf("JSON ok=%v with exit=%d", r.OK, r.Exit)
	}
	return &r
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"run", "-h"}, {"check", "--help"}, {"drive", "-h"}, {"list", "-h"}, {"--duration", "1s", "-h"}} {
		stdout, _ := wantCode(t, args, 0)
		contains(t, "help", stdout, "usage")
	}
	stdout, _ := wantCode(t, []string{"-h"}, 0)
	contains(t, "usage text", stdout, "lockcheck run", "lockcheck check", "lockcheck drive", "Exit status")
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--duration", "1s", "extra"}, `unexpected argument "extra"`},
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"run", "--impl", "nope"}, `no lock "nope" in the zoo; there are: lock,`},
		{[]string{"run", "--duration", "soon"}, "invalid value"},
		{[]string{"run", "--shrink", "-1s"}, "--shrink must be positive"},
		{[]string{"run", "--seed", "abc"}, `--seed "abc" is not a positive integer`},
		{[]string{"run", "--clients", "100"}, "--clients must be between 1 and 64"},
		{[]string{"run", "extra"}, `unexpected argument "extra"`},
		{[]string{"check"}, "no FILE given"},
		{[]string{"check", "--timeout", "-1s", "x"}, "--timeout must not be negative"},
		{[]string{"drive"}, "no driver COMMAND given"},
		{[]string{"drive", "--clients", "-3", "--", "true"}, "--clients must be between 1 and 64"},
		{[]string{"list", "extra"}, `unexpected argument "extra"`},
	} {
		_, stderr := wantCode(t, tc.args, 2)
		contains(t, "stderr", stderr, tc.msg)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	stdout, _ := wantCode(t, []string{"list"}, 0)
	for _, e := range zoo.All() {
		contains(t, "list", stdout, e.Name)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	td := func(name string) string { return filepath.Join("testdata", name) }

	stdout, _ := wantCode(t, []string{"check", td("linearizable.jsonl")}, 0)
	contains(t, "stdout", stdout, "linearizable.jsonl: linearizable (7 operations, 3 clients)")

	stdout, _ = wantCode(t, []string{"check", td("linearizable.jsonl"), td("violation.jsonl")}, 1)
	contains(t, "stdout", stdout, "violation.jsonl: NOT linearizable (3 operations, 2 clients)",
		td("violation.jsonl")+":3: the first operation no partial linearization can include: client 1's try_acquire() → true",
		"try_acquire() → true  ◀ cannot be linearized", "client 0", "client 1")

	for _, tc := range []struct{ file, msg string }{
		{"truncated.jsonl", td("truncated.jsonl") + ":3: not a JSON object"},
		{"unmatched.jsonl", td("unmatched.jsonl") + ":2: process 1 completes release but invoked nothing"},
		{"binary.jsonl", td("binary.jsonl") + ":1: not a JSON object"},
		{"missing.jsonl", td("missing.jsonl") + ": no such file or directory"},
	} {
		_, stderr := wantCode(t, []string{"check", td(tc.file)}, 2)
		contains(t, "stderr", stderr, tc.msg)
	}
	// Bad input wins over a violation: the answer is incomplete.
	stdout, stderr := wantCode(t, []string{"check", td("violation.jsonl"), td("truncated.jsonl")}, 2)
	contains(t, "stdout", stdout, "NOT linearizable")
	contains(t, "stderr", stderr, "truncated.jsonl:3:")
	// A directory is bad input too.
	_, stderr = wantCode(t, []string{"check", "testdata"}, 2)
	contains(t, "stderr", stderr, "testdata: ")
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	stdout, _ := wantCode(t, []string{"check", "--json", "testdata/linearizable.jsonl", "testdata/violation.jsonl", "testdata/truncated.jsonl"}, 2)
	r := decode(t, stdout)
	if r.Command != "check" || r.Exit != 2 || len(r.Files) != 3 {
		t.Fatalf("JSON result %+v", r)
	}
	lin, vio, bad := r.Files[0], r.Files[1], r.Files[2]
	if lin.Verdict != history.Linearizable || lin.Operations != 7 || lin.Culprit != nil || lin.Error != "" {
		t.Errorf("linearizable file: %+v", lin)
	}
	if vio.Verdict != history.NotLinearizable || vio.Culprit == nil || vio.Culprit.Line != 3 || vio.Culprit.Client != 1 ||
		vio.Culprit.Operation != "try_acquire() → true" || !strings.Contains(vio.Timeline, "◀ cannot be linearized") {
		t.Errorf("violating file: %+v culprit %+v", vio, vio.Culprit)
	}
	if bad.Verdict != "" || bad.Line != 3 || !strings.HasPrefix(bad.Error, "testdata/truncated.jsonl:3: not a JSON object") {
		t.Errorf("bad file: %+v", bad)
	}

	stdout, _ = wantCode(t, []string{"check", "--json", "testdata/linearizable.jsonl"}, 0)
	if r := decode(t, stdout); !r.OK || len(r.Files) != 1 {
		t.Errorf("JSON result %+v", r)
	}
}

func TestCheckHTML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	one := filepath.Join(dir, "one.html")
	stdout, _ := wantCode(t, []string{"check", "--html", one, "testdata/violation.jsonl"}, 1)
	contains(t, "stdout", stdout, "visualization: "+one)
	if data, err := os.ReadFile(one); err != nil || !bytes.Contains(data, []byte("<html")) {
		t.Errorf("visualization %s: %v", one, err)
	}
	several := filepath.Join(dir, "several")
	wantCode(t, []string{"check", "--html", several, "testdata/violation.jsonl", "testdata/linearizable.jsonl"}, 1)
	for _, name := range []string{"violation.html", "linearizable.html"} {
		if _, err := os.Stat(filepath.Join(several, name)); err != nil {
			t.Error(err)
		}
	}
}

// TestRun runs the harness on a correct and on a broken lock, records the
// histories, and checks the records with check.
func TestRun(t *testing.T) {
	stdout, stderr := wantCode(t, []string{"run", "--impl", "channel", "--duration", "500ms", "--seed", "42", "--progress"}, 0)
	contains(t, "stdout", stdout, "lockcheck run: channel: pass: ")
	contains(t, "progress on stderr", stderr, "channel: ", " histories, ", " operations, ")
	if _, stderr := wantCode(t, []string{"run", "--impl", "channel", "--duration", "300ms"}, 0); stderr != "" {
		t.Errorf("progress written although stderr is not a terminal:\n%s", stderr)
	}
	if v := flag.Lookup("rapid.seed").Value.String(); v != "0" {
		t.Errorf("rapid.seed = %s after run --seed, want it restored to 0", v)
	}

	rec, html := t.TempDir(), t.TempDir()
	stdout, _ = wantCode(t, []string{"run", "--impl", "counting-semaphore", "--duration", "20s", "--shrink", "300ms",
		"--clients", "3", "--record", rec, "--html", html, "--json"}, 1)
	r := decode(t, stdout)
	if r.Command != "run" || r.RunResult == nil || r.Impl != "counting-semaphore" || r.Verdict != string(sim.Violation) ||
		r.Expected != string(sim.Violation) || r.Failure == nil || r.Histories == 0 {
		t.Fatalf("JSON result %+v", r)
	}
	if !strings.HasPrefix(r.Failure.HTML, html) || !strings.Contains(r.Failure.Timeline, "◀ cannot be linearized") ||
		!strings.Contains(r.Failure.Scenario, "3 clients") {
		t.Errorf("failure %+v", r.Failure)
	}
	files, _ := filepath.Glob(filepath.Join(rec, "*.jsonl"))
	if len(files) != r.Histories {
		t.Fatalf("recorded %d histories, the report says %d", len(files), r.Histories)
	}
	// The recorded histories say the same as the harness: some are not
	// linearizable (the failing runs, before and while shrinking).
	stdout, _ = wantCode(t, append([]string{"check", "--json"}, files...), 1)
	violations := 0
	for _, f := range decode(t, stdout).Files {
		if f.Verdict == history.NotLinearizable {
			violations++
		}
	}
	if violations == 0 {
		t.Error("check found no violation among the recorded histories")
	}
}

// TestZooTable runs the command without arguments on a small zoo. (The
// zoo's reference "channel" stands in for "lock", which has its own tests.)
func TestZooTable(t *testing.T) {
	all := zoo.All()
	pick := func(names ...string) []zoo.Entry {
		var es []zoo.Entry
		for _, n := range names {
			for _, e := range all {
				if e.Name == n {
					// The search stops at the first failure; give
					// broken locks time on a loaded machine. (A
					// correct lock given this budget by mistake would
					// run a minute: see the check of Elapsed below.)
					if !e.Correct {
						e.Options = append(e.Options, sim.WithDuration(time.Minute))
					}
					es = append(es, e)
				}
			}
		}
		return es
	}
	defer func() { zooAll = zoo.All }()
	zooAll = func() []zoo.Entry { return pick("channel", "counting-semaphore") }
	stdout, _ := wantCode(t, []string{"--shrink", "200ms"}, 0)
	contains(t, "table", stdout, "LOCK", "EXPECTED", "VERDICT", "HISTORIES", "OPERATIONS", "TIME",
		"counting-semaphore", "linearizability violation", "all 2 verdicts as expected")

	// A broken lock posing as a correct one is an unexpected verdict.
	liar := pick("counting-semaphore")[0]
	liar.Name, liar.Correct = "liar", true
	zooAll = func() []zoo.Entry { return append(pick("channel"), liar) }
	stdout, _ = wantCode(t, []string{"--shrink", "200ms"}, 1)
	contains(t, "table", stdout, "✗ unexpected", "liar: expected pass, got linearizability violation", "1 of 2 verdicts unexpected: liar")

	stdout, _ = wantCode(t, []string{"--shrink", "200ms", "--json"}, 1)
	r := decode(t, stdout)
	if len(r.Locks) != 2 || r.Locks[1].Impl != "liar" || r.Locks[1].Expected != "pass" || r.Locks[1].Verdict != string(sim.Violation) {
		t.Errorf("JSON result %+v", r)
	}
	if r.Locks[0].Elapsed > 30 {
		t.Errorf("the correct lock ran for %.1fs; the entry's duration applies only to the broken one", r.Locks[0].Elapsed)
	}
}

var (
	pythonOnce sync.Once
	pythonPath string
)

// python returns the Python interpreter (resolved past shims such as
// pyenv's), or skips the test.
func python(t *testing.T) string {
	t.Helper()
	pythonOnce.Do(func() {
		if _, err := exec.LookPath("python3"); err != nil {
			return
		}
		if out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output(); err == nil {
			pythonPath = strings.TrimSpace(string(out))
		}
	})
	if pythonPath == "" {
		t.Skip("python3 is not installed; skipping drive with the Python drivers")
	}
	return pythonPath
}

func pyDriver(name string) string { return filepath.Join("..", "..", "drivers", "python", name) }

func TestDriveMisbehaving(t *testing.T) {
	py := python(t)
	for _, tc := range []struct {
		file, kind string
		fragments  []string
	}{
		{"bad_hello.py", "protocol", []string{"bad hello line"}},
		{"garbage.py", "garbage", []string{"garbage answer to"}},
		{"exits.py", "exited", []string{"exited with status 1", "crashing on purpose"}},
		{"silent.py", "no answer", []string{"got no answer"}},
		{"wrong_client.py", "protocol", []string{"has no request outstanding"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := []string{"drive", "--progress", "--duration", "500ms", "--shrink", "300ms", "--", py, pyDriver("testdata/" + tc.file)}
			stdout, _ := wantCode(t, args, 2)
			contains(t, "stdout", stdout, append([]string{"lockcheck drive: driver misbehaved (" + tc.kind + ")"}, tc.fragments...)...)
			args = append([]string{"drive", "--json"}, args[1:]...)
			stdout, _ = wantCode(t, args, 2)
			r := decode(t, stdout)
			if r.DriverErr == nil || r.DriverErr.Kind != tc.kind {
				t.Errorf("JSON result %+v, driver error %+v", r, r.DriverErr)
			}
		})
	}
}

func TestDrive(t *testing.T) {
	py := python(t)
	stdout, _ := wantCode(t, []string{"drive", "--duration", "1s", "--", py, pyDriver("lockdriver.py"), "--lock", "Lock"}, 0)
	contains(t, "stdout", stdout, "lockcheck drive: pass", "offers: acquire try_acquire acquire_timeout release locked", "histories/s")

	// The search stops at the first failure; a loaded machine starts Python
	// drivers slowly, and the budget only bounds a miss.
	stdout, _ = wantCode(t, []string{"drive", "--json", "--duration", "2m", "--shrink", "500ms", "--clients", "2",
		py, pyDriver("lockdriver.py"), "--lock", "Semaphore"}, 1)
	r := decode(t, stdout)
	if r.Verdict != string(sim.Violation) || r.DriverErr != nil || len(r.Driver) != 4 || strings.Join(r.Ops, " ") != "acquire try_acquire acquire_timeout release" {
		t.Errorf("JSON result %+v", r)
	}
}

// TestDriveTimedPromises: the Python driver's broken timed locks are the
// lock's bugs (exit 1), not the driver's: a timed acquire that gives up at
// once, and a timed waiter stuck with time left (not a bounded operation
// overrunning its bound).
func TestDriveTimedPromises(t *testing.T) {
	py := python(t)
	for _, tc := range []struct{ lock, verdict, mark string }{
		{"NoWaitTimeout", string(sim.Early), "◀ gave up early"},
		{"UncountedWaiter", string(sim.Stuck), sim.MarkTimeLeft},
	} {
		t.Run(tc.lock, func(t *testing.T) {
			// The search stops at the first failure; the budget bounds a miss.
			stdout, _ := wantCode(t, []string{"drive", "--json", "--duration", "60s", "--shrink", "500ms",
				py, pyDriver("lockdriver.py"), "--lock", tc.lock}, 1)
			r := decode(t, stdout)
			if r.Verdict != tc.verdict || r.DriverErr != nil || r.Failure == nil || !strings.Contains(r.Failure.Timeline, tc.mark) {
				t.Errorf("JSON result %+v, want verdict %q and a timeline marked %q", r, tc.verdict, tc.mark)
			}
		})
	}
}

func TestDriveCannotStart(t *testing.T) {
	t.Parallel()
	_, stderr := wantCode(t, []string{"drive", "--duration", "200ms", "--", "/nonexistent/driver"}, 2)
	contains(t, "stderr", stderr, "/nonexistent/driver")
}

func TestBoundedStuck(t *testing.T) {
	t.Parallel()
	pending := func(k model.Kind) history.Op {
		return history.Op{Input: model.Input{Kind: k}, Output: model.Output{Pending: true}, Return: history.Never}
	}
	done := history.Op{Input: model.Input{Kind: model.TryAcquire}, Output: model.Output{OK: true}, Call: 1, Return: 2}
	for _, tc := range []struct {
		h     []history.Op
		marks map[int]string
		want  bool
	}{
		{[]history.Op{done, pending(model.Acquire)}, nil, false},
		{[]history.Op{done, pending(model.Acquire), pending(model.Release)}, nil, true},
		{[]history.Op{pending(model.TryAcquire)}, nil, true},
		{[]history.Op{pending(model.AcquireTimeout)}, map[int]string{0: "◀ stuck"}, true},
		// A timed waiter judged with time left is a waiter, like acquire.
		{[]history.Op{done, pending(model.AcquireTimeout)}, map[int]string{1: sim.MarkTimeLeft}, false},
		{[]history.Op{pending(model.AcquireTimeout), pending(model.Locked)}, map[int]string{0: sim.MarkTimeLeft}, true},
	} {
		if got := boundedStuck(&sim.Failure{Kind: sim.Stuck, History: tc.h, Marks: tc.marks}); got != tc.want {
			t.Errorf("boundedStuck(%v, %v) = %v, want %v", tc.h, tc.marks, got, tc.want)
		}
	}
}

func TestUnanswered(t *testing.T) {
	t.Parallel()
	op := func(client int, call, ret int64) history.Op {
		return history.Op{Client: client, Input: model.Input{Kind: model.TryAcquire}, Output: model.Output{OK: true}, Call: call, Return: ret}
	}
	h := []history.Op{op(0, 1, 2), op(0, 5, 6), op(0, 7, 8), op(1, 3, 4)}
	got := unanswered(h, map[int]int{0: 2, 1: 1}, map[int]int{0: 1, 1: 1})
	if len(got) != 3 {
		t.Fatalf("got %d operations, want 3 (the unsent one left out): %+v", len(got), got)
	}
	if got[0].Output.Pending || got[1].Output.Pending || !got[2].Output.Pending || got[2].Return != history.Never || got[2].Call != 5 {
		t.Errorf("got %+v", got)
	}
}

// TestCheckWindow checks a long generated history with one violation: the
// report shows a short window around it, porcupine confirms the window, and
// --full shows the whole history.
func TestCheckWindow(t *testing.T) {
	t.Parallel()
	stdout, _ := wantCode(t, []string{"check", "testdata/long-violation.jsonl"}, 1)
	contains(t, "stdout", stdout, "NOT linearizable (2008 operations, 9 clients)",
		"client 8's try_acquire() → true (marked ◀)", "the lock was locked",
		"the shortest part of the history that is not linearizable by itself", "porcupine agrees")
	if n := strings.Count(stdout, "\n"); n > 40 {
		t.Errorf("the report has %d lines, want a short window:\n%s", n, stdout)
	}
	stdout, _ = wantCode(t, []string{"check", "--json", "testdata/long-violation.jsonl"}, 1)
	f := decode(t, stdout).Files[0]
	if f.Window == nil || !f.Window.Confirmed || f.Window.Start != "locked" || f.Culprit == nil || f.Culprit.Found != "locked" {
		t.Errorf("JSON result %+v window %+v culprit %+v", f, f.Window, f.Culprit)
	}
	stdout, _ = wantCode(t, []string{"check", "--full", "testdata/long-violation.jsonl"}, 1)
	if n := strings.Count(stdout, "\n"); n < 2000 {
		t.Errorf("--full printed %d lines, want the whole history", n)
	}
	dir := t.TempDir()
	wantCode(t, []string{"check", "--html", filepath.Join(dir, "w.html"), "testdata/long-violation.jsonl"}, 1)
	if data, err := os.ReadFile(filepath.Join(dir, "w.html")); err != nil || !bytes.Contains(data, []byte("<html")) {
		t.Errorf("visualization: %v", err)
	}
	stdout, _ = wantCode(t, []string{"check", "testdata/long-linearizable.jsonl"}, 0)
	contains(t, "stdout", stdout, "linearizable (2004 operations, 8 clients)")
}
