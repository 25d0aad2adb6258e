package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// replayLine finds a report's replay command.
var replayLine = regexp.MustCompile(`(?m)^\s*replay: (.+)$`)

// failureText is the report of the first failure in a go test output: from
// the line that names its kind ("lockcheck: linearizability violation") to
// its replay line, each line with its indentation (which depends on how
// deep the test is nested in the output) removed.
func failureText(out, kind string) string {
	lines := strings.Split(out, "\n")
	var b strings.Builder
	in := false
	for _, l := range lines {
		if !in && strings.HasSuffix(l, "lockcheck: "+kind) {
			in = true
			l = "lockcheck: " + kind
		}
		if !in {
			continue
		}
		b.WriteString(strings.TrimLeft(l, " \t") + "\n")
		if strings.HasPrefix(strings.TrimSpace(l), "replay: ") {
			break
		}
	}
	return b.String()
}

// TestControlledZoo runs controlled mode end to end, as a user would: it
// runs `lockcheck test` on the zoo's TestCheck for the product lock and
// check-then-set (an acquire that loads a flag and then stores it): the
// product lock passes in controlled mode and check-then-set fails with a
// controlled report; then it runs that report's replay command twice from
// the module's root, with the shell, and requires both replays to print
// the same failure, byte for byte, as the search did.
func TestControlledZoo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the zoo's tests three times")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no shell")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAPID_NOFAILFILE", "1") // no fail files left in zoo/testdata
	t.Setenv("LOCKCHECK_CHECK", "1")
	t.Setenv("LOCKCHECK_ZOO", "lock,check-then-set")
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "-C", root, "-count=1", "-v", "-run", "^TestCheck$", "./zoo/"}, &stdout, &stderr)
	out := stdout.String()
	if code != 1 {
		t.Fatalf("lockcheck test: exit %d, want 1 (check-then-set fails)\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		"--- PASS: TestCheck/lock", "--- FAIL: TestCheck/check-then-set",
		"lockcheck: mode: controlled\n", "mode: controlled (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lockcheck test's output lacks %q:\n%s", want, out)
		}
	}
	const kind = "linearizability violation"
	want := failureText(out, kind)
	m := replayLine.FindStringSubmatch(want)
	if m == nil || !strings.Contains(want, "\ntrace (") {
		t.Fatalf("no controlled failure with a trace and a replay line:\n%s", out)
	}
	// The replay: the command as printed, from the module's root, in an
	// environment without the variables that enabled the search.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCKCHECK_CHECK=") && !strings.HasPrefix(kv, "LOCKCHECK_ZOO=") {
			env = append(env, kv)
		}
	}
	for i := range 2 {
		cmd := exec.Command(sh, "-c", m[1])
		cmd.Dir, cmd.Env = root, env
		got, err := cmd.CombinedOutput()
		if _, failed := err.(*exec.ExitError); !failed {
			t.Fatalf("replay %d (%s): %v, want exit status 1\n%s", i+1, m[1], err, got)
		}
		if text := failureText(string(got), kind); text != want {
			t.Errorf("replay %d printed another failure.\nsearch:\n%s\nreplay:\n%s\nits output:\n%s", i+1, want, text, got)
		}
	}
}
