// Package java_test runs the Java driver, LockDriver.java, through the
// lockcheck harness: the monitor lock (synchronized, wait, notify) passes;
// Semaphore(1), a counting semaphore posing as a lock, and the deliberately
// broken CheckThenSet and IfNotWhile locks are caught; ReentrantLock, an
// owned lock, is checked at the level of the protocol (a release by a
// client that does not hold it answers error). The tests skip where no
// java is installed.
//
// The driver is compiled once per test run with javac into a temporary
// directory (the source launcher compiles it on every start, which takes
// seconds); TestSourceLauncher runs the documented command itself.
package java_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/driver"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// sim.Run under "go test" would let rapid write fail files here, and
	// let rapid go on shrinking for 30s after the harness's budget is spent.
	_ = flag.Set("rapid.nofailfile", "true")
	_ = flag.Set("rapid.shrinktime", "3s")
	code := m.Run()
	if classDir != "" {
		_ = os.RemoveAll(classDir)
	}
	os.Exit(code)
}

// java returns the java launcher, or skips the test.
func java(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not installed (no java on PATH); skipping the Java driver")
	}
	return path
}

var (
	compileOnce sync.Once
	classDir    string // LockDriver.class compiled by javac, or "" to use the source launcher
	compileErr  error
)

// driverArgv returns the command of the driver of lock kind: the class
// compiled once per test run if javac is installed, else the source
// launcher.
func driverArgv(t testing.TB, kind string) []string {
	t.Helper()
	j := java(t)
	compileOnce.Do(func() {
		javac, err := exec.LookPath("javac")
		if err != nil {
			return // a JRE without javac: the source launcher compiles in memory
		}
		dir, err := os.MkdirTemp("", "lockcheck-java-")
		if err != nil {
			compileErr = err
			return
		}
		out, err := exec.Command(javac, "-d", dir, "LockDriver.java").CombinedOutput()
		if err != nil {
			compileErr = fmt.Errorf("javac LockDriver.java: %v\n%s", err, out)
			_ = os.RemoveAll(dir)
			return
		}
		classDir = dir
	})
	if compileErr != nil {
		t.Fatal(compileErr)
	}
	if classDir == "" {
		return []string{j, "LockDriver.java", "--lock", kind}
	}
	return []string{j, "-cp", classDir, "LockDriver", "--lock", kind}
}

// slowStart gives a JVM time to start on a loaded machine.
var slowStart = driver.Options{HelloTimeout: 2 * time.Minute}

// runDriver runs the harness on the driver of kind, and returns its report
// and the number of driver processes that served it.
func runDriver(t *testing.T, kind string, opts ...sim.Option) (*sim.Report, int) {
	t.Helper()
	pool := driver.NewPool(context.Background(), driverArgv(t, kind), slowStart, 0)
	defer pool.Close()
	if err := pool.Ready(); err != nil {
		t.Fatal(err)
	}
	pids := map[int]bool{}
	newTarget := func() (sim.Target, error) {
		tg, err := pool.Target()
		if err == nil {
			pids[tg.(interface{ Pid() int }).Pid()] = true
		}
		return tg, err
	}
	rep, err := sim.Run(newTarget, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d histories (%d operations) in %v: %.0f histories/s, %d processes", kind, rep.Histories, rep.Operations,
		rep.Elapsed.Round(time.Millisecond), float64(rep.Histories)/rep.Elapsed.Seconds(), len(pids))
	return rep, len(pids)
}

func TestCorrectLockPasses(t *testing.T) {
	rep, procs := runDriver(t, "Monitor", sim.WithDuration(3*time.Second), sim.WithShrinkTime(2*time.Second))
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
	// No run of a correct lock leaves a request unanswered, so the first
	// process serves them all, reset between runs.
	if procs != 1 || rep.Histories < 2 {
		t.Errorf("%d histories in %d processes, want one process", rep.Histories, procs)
	}
}

func TestBrokenLocksAreCaught(t *testing.T) {
	for _, tc := range []struct {
		kind, bug string
		want      []sim.FailureKind
	}{
		{"Semaphore", "a release of an unheld Semaphore(1) leaves two permits", []sim.FailureKind{sim.Violation}},
		{"CheckThenSet", "two clients can both see the lock free and both take it", []sim.FailureKind{sim.Violation}},
		// Waiting with if instead of while shows two ways: a woken
		// blocking waiter takes a lock a barger already holds (a
		// violation), and a woken timed waiter that finds it held gives up
		// before its timeout (timed out early).
		{"IfNotWhile", "a release wakes every waiter, and each takes the lock", []sim.FailureKind{sim.Violation, sim.Early}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			rep, _ := runDriver(t, tc.kind, sim.WithDuration(20*time.Second), sim.WithShrinkTime(time.Second))
			if rep.Failure == nil {
				t.Fatalf("%s passed; its bug: %s", tc.kind, tc.bug)
			}
			if !slices.Contains(tc.want, rep.Failure.Kind) {
				t.Fatalf("failure kind %q, want one of %q:\n%v", rep.Failure.Kind, tc.want, rep.Failure.Error())
			}
			t.Logf("caught:\n%v", rep.Failure.Error())
		})
	}
}

// TestReentrantLockOwned: Java's ReentrantLock is owned and reentrant. It
// passes when checked as such (each client is its own owner: one thread a
// client in the driver), and checked as an unowned lock it is caught the
// moment a client releases what another holds.
func TestReentrantLockOwned(t *testing.T) {
	rep, _ := runDriver(t, "ReentrantLock", sim.WithReentrancy(), sim.WithDuration(3*time.Second), sim.WithShrinkTime(2*time.Second))
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
	if rep.Histories == 0 {
		t.Fatal("no history checked")
	}
	rep, _ = runDriver(t, "ReentrantLock", sim.WithDuration(20*time.Second), sim.WithShrinkTime(time.Second))
	if rep.Failure == nil || rep.Failure.Kind != sim.Violation {
		t.Fatalf("ReentrantLock checked as an unowned lock: got %v, want a violation", rep.Failure)
	}
}

// step is one request of a protocol-level test and the answer it wants.
type step struct {
	client int
	op     model.Kind
	want   string // ok, error, true or false
}

// play runs steps one at a time on d's lock.
func play(t *testing.T, d *driver.Driver, steps []step) {
	t.Helper()
	type timeoutLock interface {
		AcquireTimeout(time.Duration) bool
	}
	type lockedLock interface{ Locked() bool }
	for i, s := range steps {
		l := d.Client(s.client)
		var got string
		switch s.op {
		case model.Acquire:
			l.Acquire()
			got = "ok"
		case model.TryAcquire:
			got = fmt.Sprint(l.TryAcquire())
		case model.AcquireTimeout:
			got = fmt.Sprint(l.(timeoutLock).AcquireTimeout(20 * time.Millisecond))
		case model.Locked:
			got = fmt.Sprint(l.(lockedLock).Locked())
		case model.Release:
			switch err := l.Release(); {
			case err == nil:
				got = "ok"
			case errors.Is(err, driver.ErrNotLocked):
				got = "error"
			default:
				t.Fatalf("step %d: client %d's release: %v", i, s.client, err)
			}
		}
		if got != s.want {
			t.Fatalf("step %d: client %d's %s = %s, want %s", i, s.client, s.op, got, s.want)
		}
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
}

var (
	acq  = model.Acquire
	try  = model.TryAcquire
	tmo  = model.AcquireTimeout
	rel  = model.Release
	lckd = model.Locked
)

// reentrantSteps: ReentrantLock is owned (a release by a client that does
// not hold it answers error and changes nothing) and reentrant.
var reentrantSteps = []step{
	{0, acq, "ok"}, {1, rel, "error"}, {1, try, "false"}, {1, lckd, "true"},
	{0, try, "true"}, {0, rel, "ok"}, {1, tmo, "false"}, {0, rel, "ok"},
	{0, rel, "error"}, {0, lckd, "false"}, {1, try, "true"}, {0, rel, "error"}, {1, rel, "ok"},
}

func TestProtocol(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind  string
		steps []step
	}{
		{"ReentrantLock", reentrantSteps},
		{"Monitor", []step{ // unowned, not reentrant
			{0, acq, "ok"}, {0, try, "false"}, {1, tmo, "false"}, {0, lckd, "true"},
			{1, rel, "ok"}, {0, rel, "error"}, {0, lckd, "false"}, {0, tmo, "true"}, {0, rel, "ok"},
		}},
		{"Semaphore", []step{ // a release of an unheld semaphore adds a permit
			{0, try, "true"}, {1, try, "false"}, {1, rel, "ok"}, {1, rel, "ok"},
			{0, try, "true"}, {1, try, "true"}, {0, lckd, "true"},
		}},
		{"CheckThenSet", []step{ // broken only under a race
			{0, try, "true"}, {1, try, "false"}, {1, rel, "ok"}, {1, rel, "error"}, {0, tmo, "true"},
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			d, err := driver.Start(context.Background(), driverArgv(t, tc.kind), slowStart)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if !d.CanReset() {
				t.Error("the driver does not offer reset")
			}
			if want := []model.Kind{acq, try, tmo, rel, lckd}; !slices.Equal(d.Ops(), want) {
				t.Errorf("ops %v, want %v", d.Ops(), want)
			}
			play(t, d, tc.steps)
			// A reset gives a fresh lock, whatever state the old one was in.
			if err := d.Reset(); err != nil {
				t.Fatal(err)
			}
			play(t, d, []step{{0, lckd, "false"}, {1, try, "true"}, {0, try, "false"}})
			d.Close()
			if err := d.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBlockedAcquire: a client blocked in acquire is answered after a
// release, and keeps its thread: the owner of a ReentrantLock it takes then
// is that client.
func TestBlockedAcquire(t *testing.T) {
	t.Parallel()
	d, err := driver.Start(context.Background(), driverArgv(t, "ReentrantLock"), slowStart)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Client(0).Acquire()
	got := make(chan struct{})
	go func() { defer close(got); d.Client(1).Acquire() }()
	// Whether or not client 1's request is out yet, the release lets it in.
	if err := d.Client(0).Release(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("client 1's acquire not answered 30s after the release")
	}
	play(t, d, []step{{0, rel, "error"}, {1, rel, "ok"}})
}

// TestSourceLauncher runs the documented command, java LockDriver.java
// --lock ReentrantLock, which compiles the driver in memory at start-up.
func TestSourceLauncher(t *testing.T) {
	t.Parallel()
	j := java(t)
	d, err := driver.Start(context.Background(), []string{j, "LockDriver.java", "--lock", "ReentrantLock"}, slowStart)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	play(t, d, reentrantSteps)
	if err := d.Reset(); err != nil {
		t.Fatal(err)
	}
	play(t, d, []step{{1, try, "true"}, {0, rel, "error"}, {1, rel, "ok"}})
}

// TestBadCommandLine: an unknown lock exits 2 with the list of locks.
func TestBadCommandLine(t *testing.T) {
	t.Parallel()
	argv := driverArgv(t, "NoSuchLock")
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2; output:\n%s", err, out)
	}
	for _, name := range []string{"unknown lock 'NoSuchLock'", "ReentrantLock", "Semaphore", "Monitor"} {
		if !strings.Contains(string(out), name) {
			t.Errorf("output lacks %q:\n%s", name, out)
		}
	}
}

// TestMalformedInput: the driver exits 2 on a request that breaks the
// protocol, with a diagnostic on stderr.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	argv := driverArgv(t, "Monitor")
	for _, script := range []string{
		"0 frobnicate\n", "0\n", "\n", "x acquire\n", "007 acquire\n", "0 acquire 1\n",
		"0 acquire_timeout\n", "0 acquire_timeout nan\n", "0  acquire\n", "0 try_acquire\n0 bogus\n",
		"reset\n", "reset x\n", "reset 1 2\n", "reset 01\n", "0 acquire\n1 acquire\nreset 1\n",
	} {
		t.Run(strings.TrimSpace(strings.ReplaceAll(script, "\n", ";")), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Stdin = strings.NewReader(script)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("exit: %v, want status 2; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "lockdriver: line") {
				t.Errorf("stderr lacks a diagnostic: %q", stderr.String())
			}
		})
	}
}

// TestEOF: at EOF the driver answers what it can and exits 0 promptly,
// abandoning a client blocked in acquire.
func TestEOF(t *testing.T) {
	t.Parallel()
	argv := driverArgv(t, "Monitor")
	cmd := exec.Command(argv[0], argv[1:]...)
	// Monitor is not reentrant: client 0's second acquire blocks for good.
	cmd.Stdin = strings.NewReader("0 acquire\n0 acquire_timeout 0.05\n0 acquire\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if want := []string{"0 ok", "0 false"}; !slices.Equal(lines[1:], want) {
		t.Errorf("answers %q, want %q", lines[1:], want)
	}
	if !strings.Contains(stderr.String(), "client(s) 0 blocked") {
		t.Errorf("stderr does not name the blocked client: %q", stderr.String())
	}
}
