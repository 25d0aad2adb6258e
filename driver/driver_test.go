package driver_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/driver"
	"github.com/lockcheck/lockcheck/sim"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeDriver(mode))
	}
	flag.Parse()
	// sim.Run under "go test" would let rapid write fail files here, and
	// let rapid go on shrinking for 30s after the harness's budget is spent.
	_ = flag.Set("rapid.nofailfile", "true")
	_ = flag.Set("rapid.shrinktime", "3s")
	os.Exit(m.Run())
}

// python returns the Python interpreter (resolved past launcher shims such as
// pyenv's, which double the start-up time), or skips the test.
func python(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		if _, err := exec.LookPath("python3"); err != nil {
			return
		}
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err == nil {
			pythonPath = strings.TrimSpace(string(out))
		}
	})
	if pythonPath == "" {
		t.Skip("python3 is not installed; skipping the tests that run Python drivers")
	}
	return pythonPath
}

var (
	pythonOnce sync.Once
	pythonPath string
)

func testdata(name string) string {
	return filepath.Join("..", "drivers", "python", "testdata", name)
}

func start(t *testing.T, argv, env []string, opts driver.Options) (*driver.Driver, error) {
	t.Helper()
	opts.Env = env
	d, err := driver.Start(context.Background(), argv, opts)
	if d != nil {
		t.Cleanup(func() { d.Close() })
	}
	return d, err
}

func wantKind(t *testing.T, err error, kind driver.ErrorKind, fragments ...string) *driver.Error {
	t.Helper()
	var e *driver.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a *driver.Error of kind %q", err, err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("error kind = %q, want %q; error: %v", e.Kind, kind, e)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Error(), f) {
			t.Errorf("error %q does not mention %q", e.Error(), f)
		}
	}
	return e
}

// TestMisbehavingPythonDrivers runs the misbehaving drivers of
// drivers/python/testdata.
func TestMisbehavingPythonDrivers(t *testing.T) {
	py := python(t)
	t.Parallel()
	opts := driver.Options{AnswerTimeout: 300 * time.Millisecond, Grace: 300 * time.Millisecond}
	t.Run("bad_hello", func(t *testing.T) {
		t.Parallel()
		_, err := start(t, []string{py, testdata("bad_hello.py")}, nil, opts)
		wantKind(t, err, driver.Protocol, "bad hello line", "lockcheck-driver-ish 2")
	})
	for _, tc := range []struct {
		file      string
		kind      driver.ErrorKind
		fragments []string
	}{
		{"garbage.py", driver.Garbage, []string{"garbage answer to"}},
		{"exits.py", driver.Exited, []string{"exited with status 1", "client 0's try_acquire", "crashing on purpose"}},
		{"silent.py", driver.NoAnswer, []string{"client 0's try_acquire got no answer within 300ms"}},
		{"wrong_client.py", driver.Protocol, []string{`answered "1000 true"`, "client 1000 has no request outstanding"}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".py"), func(t *testing.T) {
			t.Parallel()
			d, err := start(t, []string{py, testdata(tc.file)}, nil, opts)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if err := d.Err(); err != nil {
				t.Fatalf("Err before any request = %v", err)
			}
			l := d.Client(0)
			begin := time.Now()
			if l.TryAcquire() {
				t.Errorf("TryAcquire on a broken driver = true")
			}
			// The driver is broken now: everything returns at once.
			l.Acquire()
			if l.Release() == nil {
				t.Errorf("Release on a broken driver = nil error")
			}
			d.Client(1).Acquire()
			if took := time.Since(begin); took > 2*time.Second {
				t.Errorf("operations on a broken driver took %v", took)
			}
			d.Close()
			wantKind(t, d.Err(), tc.kind, tc.fragments...)
		})
	}
}

func TestFakeDrivers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode      string
		startErr  bool
		kind      driver.ErrorKind
		fragments []string
	}{
		{"no-hello", true, driver.NoAnswer, []string{"no hello line within 200ms"}},
		{"hello-v2", true, driver.Protocol, []string{"protocol version \"2\""}},
		{"hello-unknown", true, driver.Protocol, []string{`unknown operation "frobnicate"`}},
		{"hello-missing", true, driver.Protocol, []string{"lacks try_acquire"}},
		{"wrong-word", false, driver.Protocol, []string{`client 0's try_acquire was answered "maybe" (want true or false)`}},
		{"long-line", false, driver.Garbage, []string{"longer than 4096 bytes"}},
		{"unterminated", false, driver.Garbage, []string{`unterminated line "0 true"`}},
		{"exit-at-eof", false, driver.Exited, []string{"exited with status 3 after its stdin was closed", "exiting with status 3 on purpose"}},
		{"slow-try", false, driver.NoAnswer, []string{"client 0's try_acquire got no answer within 200ms"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			argv, env := fakeArgv(tc.mode)
			// Short bounds only where the test waits for them to expire:
			// elsewhere a loaded machine could miss them.
			opts := driver.Options{HelloTimeout: 30 * time.Second, AnswerTimeout: 30 * time.Second}
			switch tc.mode {
			case "no-hello":
				opts.HelloTimeout = 200 * time.Millisecond
			case "slow-try":
				opts.AnswerTimeout = 200 * time.Millisecond
			}
			d, err := start(t, argv, env, opts)
			if tc.startErr {
				if err == nil {
					t.Fatal("Start succeeded")
				}
				e := wantKind(t, err, tc.kind, tc.fragments...)
				if tc.mode != "no-hello" && !strings.Contains(e.Stderr, "fake driver "+tc.mode+" started") {
					t.Errorf("stderr tail %q lacks the driver's message", e.Stderr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			d.Client(0).TryAcquire()
			d.Close()
			wantKind(t, d.Err(), tc.kind, tc.fragments...)
		})
	}
}

func TestHandles(t *testing.T) {
	t.Parallel()
	type timeoutLock interface {
		AcquireTimeout(time.Duration) bool
	}
	type lockedLock interface{ Locked() bool }
	for _, tc := range []struct {
		mode            string
		timeout, locked bool
	}{
		{"good", true, true},
		{"basic", false, false},
	} {
		argv, env := fakeArgv(tc.mode)
		d, err := start(t, argv, env, driver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l := d.Client(0)
		if _, ok := l.(timeoutLock); ok != tc.timeout {
			t.Errorf("%s: handle has AcquireTimeout: %v, want %v", tc.mode, ok, tc.timeout)
		}
		if _, ok := l.(lockedLock); ok != tc.locked {
			t.Errorf("%s: handle has Locked: %v, want %v", tc.mode, ok, tc.locked)
		}
		if !l.TryAcquire() || d.Client(1).TryAcquire() {
			t.Errorf("%s: TryAcquire results wrong", tc.mode)
		}
		if tc.locked && !l.(lockedLock).Locked() {
			t.Errorf("%s: Locked = false while held", tc.mode)
		}
		if tc.timeout && d.Client(2).(timeoutLock).AcquireTimeout(time.Millisecond) {
			t.Errorf("%s: AcquireTimeout of a held lock = true", tc.mode)
		}
		// A blocked acquire is answered once the lock is released.
		got := make(chan struct{})
		go func() { d.Client(3).Acquire(); close(got) }()
		time.Sleep(20 * time.Millisecond)
		if err := d.Client(1).Release(); err != nil { // not the owner: the lock is not owned
			t.Errorf("%s: Release = %v", tc.mode, err)
		}
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Acquire not answered after a release", tc.mode)
		}
		if err := d.Client(3).Release(); err != nil {
			t.Errorf("%s: Release = %v", tc.mode, err)
		}
		if err := d.Client(0).Release(); !errors.Is(err, driver.ErrNotLocked) {
			t.Errorf("%s: Release of an unlocked lock = %v, want ErrNotLocked", tc.mode, err)
		}
		d.Close()
		if err := d.Err(); err != nil {
			t.Errorf("%s: Err = %v", tc.mode, err)
		}
	}
}

// TestCloseUnblocks: Close returns operations in progress, and kills a
// driver that does not exit at EOF.
func TestCloseUnblocks(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("ignore-eof")
	d, err := start(t, argv, env, driver.Options{Grace: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d.Client(0).Acquire()
	done := make(chan struct{})
	go func() { d.Client(1).Acquire(); close(done) }()
	time.Sleep(20 * time.Millisecond)
	begin := time.Now()
	d.Close()
	<-done
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("Close took %v", took)
	}
	if err := d.Err(); err != nil {
		t.Errorf("Err after killing a driver that ignores EOF = %v, want nil", err)
	}
	if err := syscall.Kill(d.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("driver process still exists after Close (kill 0: %v)", err)
	}
}

func TestContextStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	argv, env := fakeArgv("good")
	d, err := driver.Start(ctx, argv, driver.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Client(0).Acquire()
	done := make(chan struct{})
	go func() { d.Client(1).Acquire(); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Acquire still blocked after the context was cancelled")
	}
	wantKind(t, d.Err(), driver.Exited, "stopped: context canceled")

	if _, err := driver.Start(ctx, argv, driver.Options{Env: env}); err == nil {
		t.Error("Start with a cancelled context succeeded")
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	if _, err := driver.Start(context.Background(), nil, driver.Options{}); err == nil {
		t.Error("Start with no command succeeded")
	}
	_, err := driver.Start(context.Background(), []string{"/nonexistent/driver"}, driver.Options{})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/driver") {
		t.Errorf("Start of a missing program: %v", err)
	}
	var e *driver.Error
	if errors.As(err, &e) {
		t.Errorf("Start of a missing program gave a driver misbehaviour: %v", err)
	}
	_, err = driver.Start(context.Background(), []string{"sh", "-c", "echo oops >&2; exit 3"}, driver.Options{})
	wantKind(t, err, driver.Exited, "exited with status 3 before writing its hello line", "  | oops")
}

func TestPool(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("good")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 2)
	var pids []int
	for range 5 {
		tg, err := p.Target()
		if err != nil {
			t.Fatal(err)
		}
		l := tg.Client(0)
		if !l.TryAcquire() {
			t.Error("a fresh driver's lock is held")
		}
		pids = append(pids, tg.(interface{ Pid() int }).Pid())
		tg.Close()
		if err := tg.(interface{ Err() error }).Err(); err != nil {
			t.Error(err)
		}
	}
	p.Close()
	seen := map[int]bool{}
	for _, pid := range pids {
		if seen[pid] {
			t.Errorf("pid %d reused: targets must be fresh processes", pid)
		}
		seen[pid] = true
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("driver %d still exists after the pool's Close (kill 0: %v)", pid, err)
		}
	}
	if _, err := p.Target(); err == nil {
		t.Error("Target after Close succeeded")
	}
}

func TestPoolStartError(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("hello-v2")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 1)
	defer p.Close()
	_, err := p.Target()
	wantKind(t, err, driver.Protocol)
	if p.LastErr() == nil {
		t.Error("LastErr = nil after a failed start")
	}
}

// TestHarnessFake runs the harness on the fake correct driver: it passes,
// and exercises every advertised operation.
func TestHarnessFake(t *testing.T) {
	argv, env := fakeArgv("good")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
	defer p.Close()
	rep, err := sim.Run(p.Target, sim.WithDuration(2*time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d histories, %d operations in %v", rep.Histories, rep.Operations, rep.Elapsed)
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
	if rep.Histories == 0 {
		t.Fatal("no histories checked")
	}
}

// TestHarnessBroken: a driver that breaks mid-run ends as a TargetFailed
// failure, and the pool keeps its error.
func TestHarnessBroken(t *testing.T) {
	argv, env := fakeArgv("wrong-word")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
	defer p.Close()
	rep, err := sim.Run(p.Target, sim.WithDuration(2*time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != sim.TargetFailed {
		t.Fatalf("failure = %v, want %q", rep.Failure, sim.TargetFailed)
	}
	if e := p.LastErr(); e == nil || e.Kind != driver.Protocol {
		t.Fatalf("LastErr = %v, want a protocol error", e)
	}
}

func TestErrorText(t *testing.T) {
	e := &driver.Error{Kind: driver.Garbage, Msg: `printed "x"`, Stderr: "a\nb\n"}
	want := "driver misbehaved (garbage): printed \"x\"\ndriver's stderr (last lines):\n  | a\n  | b\n"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

// TestOverdueAtClose: a bounded request still unanswered well past its
// bound when the driver is closed is the driver's fault.
func TestOverdueAtClose(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("slow-try")
	d, err := start(t, argv, env, driver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	go d.Client(0).TryAcquire()
	time.Sleep(driver.OverdueAtClose + 200*time.Millisecond)
	d.Close()
	wantKind(t, d.Err(), driver.NoAnswer, "client 0's try_acquire got no answer for", "when it was closed")
}
