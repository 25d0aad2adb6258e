package main

import (
	"bytes"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestParseTestArgs(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		goArgs   []string
		patterns []string
		listArgs []string
		replay   string
		list     bool
	}{
		{args: nil},
		{args: []string{"./zoo/"}, goArgs: []string{"./zoo/"}, patterns: []string{"./zoo/"}},
		{
			args:     []string{"-replay=abc", "-run", "TestX", "-race", "-v", "./a", "./b/..."},
			goArgs:   []string{"-run", "TestX", "-race", "-v", "./a", "./b/..."},
			patterns: []string{"./a", "./b/..."},
			listArgs: []string{"-race"},
			replay:   "abc",
		},
		{
			args:     []string{"--replay", "t0k", "-tags", "x y", "-lockcheck.list", "-count=1", "p", "-timeout", "5m", "-args", "-v", "q"},
			goArgs:   []string{"-tags", "x y", "-count=1", "p", "-timeout", "5m", "-args", "-v", "q"},
			patterns: []string{"p"},
			listArgs: []string{"-tags", "x y"},
			replay:   "t0k",
			list:     true,
		},
	} {
		got, err := parseTestArgs(tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		var pats []string
		for _, i := range got.patterns {
			pats = append(pats, got.goArgs[i])
		}
		if !reflect.DeepEqual(got.goArgs, tc.goArgs) || !reflect.DeepEqual(pats, tc.patterns) ||
			!reflect.DeepEqual(got.listArgs, tc.listArgs) || got.replay != tc.replay || got.list != tc.list {
			t.Errorf("%q: got goArgs %q patterns %q listArgs %q replay %q list %v", tc.args, got.goArgs, pats, got.listArgs, got.replay, got.list)
		}
	}
	if a, err := parseTestArgs([]string{"-C", "sub", "-v", "."}); err != nil || a.dir != "sub" || !reflect.DeepEqual(a.goArgs, []string{"-v", "."}) {
		t.Errorf("-C: %+v %v", a, err)
	}
	for _, bad := range [][]string{{"-replay"}, {"-overlay=x.json", "p"}, {"-modfile", "x.mod"}, {"-C"}} {
		if _, err := parseTestArgs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	a, _ := parseTestArgs([]string{"-v", "./a", "./b", "-args", "-x"})
	if got, want := a.goArgsWith([]string{"p/c"}), []string{"-v", "p/c", "-args", "-x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("goArgsWith = %q, want %q", got, want)
	}
}

// TestTestCommand runs lockcheck test on the fixtures of testdata/ctl: an
// instrumented package whose test checks that it runs instrumented and
// registered (and gets the replay token), a package registered with a
// problem (a system call), and a package that does not build instrumented,
// which is tested in stress mode with a message naming the compiler's error.
func TestTestCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "-replay=TOKEN-1", "-count=1", "-v",
		"./testdata/ctl/spin", "./testdata/ctl/sys", "./testdata/ctl/nobuild"}, &stdout, &stderr)
	out, diag := stdout.String(), stderr.String()
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, diag)
	}
	for _, want := range []string{
		"--- PASS: TestInstrumented", "replay=TOKEN-1", "--- PASS: TestScheduled",
		"--- PASS: TestRegisteredWithProblem", "--- PASS: TestStress",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"package github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/nobuild does not build when instrumented",
		"nobuild.go:17:8: 8 - unsafe.Sizeof(word{})", // the compiler's message, at the original line
		"testing github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/nobuild in stress mode (plain go test)",
		"sys.go:19: calls syscall.Getpid",
	} {
		if !strings.Contains(diag, want) {
			t.Errorf("stderr lacks %q:\n%s", want, diag)
		}
	}

	// Files named on the command line make a package of their own, which
	// is instrumented and registered too.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"test", "-count=1", "-run", "TestInstrumented",
		"./testdata/ctl/spin/spin.go", "./testdata/ctl/spin/spin_test.go"}, &stdout, &stderr); code != exitOK {
		t.Errorf("files: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	// go test's exit status comes through.
	t.Setenv("LOCKCHECK_E2E_FAIL", "1")
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"test", "-run", "TestFailsOnRequest", "./testdata/ctl/spin"}, &stdout, &stderr); code != 1 {
		t.Errorf("a failing test: exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestTestCommandCgo: a package that uses cgo is instrumented anyway and
// registered with the problem, which lockcheck test names at file:line.
func TestTestCommandCgo(t *testing.T) {
	out, err := exec.Command("go", "env", "CGO_ENABLED").Output()
	if err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Skip("cgo is not enabled")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no C compiler")
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"test", "-count=1", "-v", "./testdata/ctl/cgolock"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "--- PASS: TestRegisteredWithCgo") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), `cgolock.go:7: uses cgo (import "C")`) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func TestTestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"test", "-h"}, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "usage: lockcheck test") {
		t.Errorf("-h: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"test", "-replay"}, &stdout, &stderr); code != exitBadUse || !strings.Contains(stderr.String(), "-replay needs a value") {
		t.Errorf("-replay without a token: exit %d\n%s", code, stderr.String())
	}
}
