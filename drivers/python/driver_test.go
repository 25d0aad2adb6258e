// Package python_test runs the Python driver, lockdriver.py, through the
// lockcheck harness: CPython's Lock and BoundedSemaphore(1) pass, and
// Semaphore(1), a counting semaphore posing as a lock, is caught, as are the
// driver's broken test locks NoWaitTimeout and UncountedWaiter, which break
// the real-time promises of a timed acquire; one driver process serves every
// history (the driver offers reset).
package python_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/driver"
	"github.com/lockcheck/lockcheck/sim"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// sim.Run under "go test" would let rapid write fail files here, and
	// let rapid go on shrinking for 30s after the harness's budget is spent.
	_ = flag.Set("rapid.nofailfile", "true")
	_ = flag.Set("rapid.shrinktime", "3s")
	os.Exit(m.Run())
}

// python returns the Python interpreter, resolved past launcher shims such
// as pyenv's (which double the start-up time of every driver), or skips.
func python(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed; skipping the Python driver")
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Skipf("python3 does not run: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// runDriver runs the harness on the driver of kind, and returns its report
// and the number of driver processes that served it.
func runDriver(t *testing.T, kind string, opts ...sim.Option) (*sim.Report, int) {
	t.Helper()
	return runArgv(t, []string{python(t), "lockdriver.py", "--lock", kind}, opts...)
}

func runArgv(t *testing.T, argv []string, opts ...sim.Option) (*sim.Report, int) {
	t.Helper()
	kind := strings.Join(argv[3:], " ")
	pool := driver.NewPool(context.Background(), argv, driver.Options{}, 0)
	defer pool.Close()
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

func TestCorrectLocksPass(t *testing.T) {
	for _, kind := range []string{"Lock", "BoundedSemaphore"} {
		t.Run(kind, func(t *testing.T) {
			rep, procs := runDriver(t, kind, sim.WithDuration(3*time.Second), sim.WithShrinkTime(2*time.Second))
			if rep.Failure != nil {
				t.Fatal(rep.Failure.Error())
			}
			// No run of a correct lock leaves a request unanswered, so
			// the first process serves them all, reset between runs.
			if procs != 1 || rep.Histories < 2 {
				t.Errorf("%d histories in %d processes, want one process", rep.Histories, procs)
			}
		})
	}
}

func TestSemaphoreIsCaught(t *testing.T) {
	// The bug needs no race, only the right scenario: fewer repetitions
	// of each scenario let the search try more of them. The search stops
	// at the first failure; the budget only bounds a miss, and is generous
	// because a loaded machine starts Python drivers slowly.
	rep, _ := runDriver(t, "Semaphore", sim.WithDuration(2*time.Minute), sim.WithShrinkTime(time.Second), sim.WithRepeat(2))
	if rep.Failure == nil {
		t.Fatal("Semaphore(1), which a release of an unheld lock leaves with two permits, passed")
	}
	if rep.Failure.Kind != sim.Violation {
		t.Fatalf("failure kind %q, want %q:\n%v", rep.Failure.Kind, sim.Violation, rep.Failure.Error())
	}
	t.Logf("caught:\n%v", rep.Failure.Error())
}

// TestTimedPromisesAreCaught: the driver's broken test locks break the
// real-time promises of acquire(timeout=T), which linearizability cannot
// see: NoWaitTimeout gives up at once (sim.Early), and UncountedWaiter's
// timed waiters miss the release's wake-up and sit out their timeout on a
// free lock (sim.Stuck, the waiter marked sim.MarkTimeLeft).
func TestTimedPromisesAreCaught(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want sim.FailureKind
		mark string
	}{
		{"NoWaitTimeout", sim.Early, "◀ gave up early"},
		{"UncountedWaiter", sim.Stuck, sim.MarkTimeLeft},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			// The search stops at the first failure: the budget only
			// bounds a miss. Fewer repetitions let it try more scenarios.
			rep, _ := runDriver(t, tc.kind, sim.WithDuration(60*time.Second), sim.WithShrinkTime(time.Second), sim.WithRepeat(2))
			if rep.Failure == nil {
				t.Fatalf("%s passed", tc.kind)
			}
			if rep.Failure.Kind != tc.want {
				t.Fatalf("failure kind %q, want %q:\n%v", rep.Failure.Kind, tc.want, rep.Failure.Error())
			}
			marked := false
			for _, m := range rep.Failure.Marks {
				marked = marked || m == tc.mark
			}
			if !marked {
				t.Errorf("no operation marked %q:\n%v", tc.mark, rep.Failure.Error())
			}
			t.Logf("caught:\n%v", rep.Failure.Error())
		})
	}
}

// TestNoReset: a driver that does not offer reset gets a process for every
// history, as before reset existed.
func TestNoReset(t *testing.T) {
	rep, procs := runArgv(t, []string{python(t), "lockdriver.py", "--lock", "Lock", "--no-reset"},
		sim.WithDuration(time.Second), sim.WithShrinkTime(time.Second))
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
	if procs < rep.Histories {
		t.Errorf("%d histories in %d processes, want one process per history", rep.Histories, procs)
	}
}

// TestSelfTest runs the driver's own tests, test_lockdriver.py.
func TestSelfTest(t *testing.T) {
	py := python(t)
	t.Parallel()
	out, err := exec.Command(py, "test_lockdriver.py").CombinedOutput()
	if err != nil {
		t.Fatalf("python3 test_lockdriver.py: %v\n%s", err, out)
	}
}
