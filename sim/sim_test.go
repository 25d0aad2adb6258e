package sim_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"context"
	"github.com/lockcheck/lockcheck/history"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// chanLock is a correct lock: zoo's channel lock, which the locks below
// build on.
type chanLock = zoo.Channel

func newChanLock() sim.Lock { return zoo.NewChannel() }

var errNotLocked = zoo.ErrNotLocked

// noWakeLock's release never wakes a waiter.
type noWakeLock struct {
	mu      sync.Mutex
	held    bool
	waiters int
	wake    chan struct{}
}

func newNoWakeLock() sim.Lock { return &noWakeLock{wake: make(chan struct{})} }

func (l *noWakeLock) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

// Acquire waits for a wake-up that Release never sends: a release with
// waiters after which none proceeds.
func (l *noWakeLock) Acquire() {
	for !l.TryAcquire() {
		<-l.wake
	}
}

func (l *noWakeLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errNotLocked
	}
	l.held = false
	return nil
}

// blockingTryLock's TryAcquire waits for the lock: a non-blocking
// operation that blocks.
type blockingTryLock struct{ chanLock }

func (l blockingTryLock) TryAcquire() bool { l.Acquire(); return true }

// turnstileLock's Acquire waits for the token while holding the mutex that
// TryAcquire needs too: a try_acquire behind a waiting acquire blocks.
type turnstileLock struct {
	mu  sync.Mutex
	tok chan struct{}
}

func newTurnstile() sim.Lock {
	l := &turnstileLock{tok: make(chan struct{}, 1)}
	l.tok <- struct{}{}
	return l
}

func (l *turnstileLock) Acquire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	<-l.tok
}

func (l *turnstileLock) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.tok:
		return true
	default:
		return false
	}
}

func (l *turnstileLock) Release() error {
	select {
	case l.tok <- struct{}{}:
		return nil
	default:
		return errNotLocked
	}
}

// livelockLock's Acquire, finding the lock held, spins until the test ends:
// its waiter stays runnable, so only the global deadline ends the run.
type livelockLock struct {
	chanLock
	over *atomic.Bool
}

func (l livelockLock) Acquire() {
	if l.TryAcquire() {
		return
	}
	for !l.over.Load() { // the test's end stops the leaked spinners
		runtime.Gosched()
	}
}

// wideCheckThenSet is zoo.CheckThenSet with a yield between its check and
// its set. zoo's race window is nanoseconds wide: on a loaded machine the
// two clients seldom run at the same instant, and a search of any fixed
// time may miss it (zoo's tests hold the harness to that one, with a
// generous budget). The wide window is found at once, loaded or not, which
// is what a test of the detector needs.
type wideCheckThenSet struct{ held atomic.Bool }

func (l *wideCheckThenSet) Acquire() {
	for !l.TryAcquire() {
		runtime.Gosched()
	}
}

func (l *wideCheckThenSet) TryAcquire() bool {
	if l.held.Load() {
		return false
	}
	runtime.Gosched() // the window: another client checks too
	l.held.Store(true)
	return true
}

func (l *wideCheckThenSet) Release() error {
	if !l.held.Swap(false) {
		return errNotLocked
	}
	return nil
}

// wideLostWakeup is zoo.LostWakeup with a yield between the failed try and
// the registration for a wake-up: a release in between wakes nobody. The
// window is wide for the reason wideCheckThenSet's is.
type wideLostWakeup struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{}
}

func (l *wideLostWakeup) Acquire() {
	for !l.TryAcquire() {
		runtime.Gosched() // the window: the holder releases, and wakes nobody
		ch := make(chan struct{})
		l.mu.Lock()
		l.waiters = append(l.waiters, ch)
		l.mu.Unlock()
		<-ch
	}
}

func (l *wideLostWakeup) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

func (l *wideLostWakeup) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errNotLocked
	}
	l.held = false
	if len(l.waiters) > 0 {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
	}
	return nil
}

// panicLock panics on a release of an unlocked lock.
type panicLock struct{ chanLock }

func (l panicLock) Release() error {
	if l.chanLock.Release() != nil {
		panic("release of unlocked lock")
	}
	return nil
}

// spuriousCtxLock fails acquire_context on a held lock without waiting for
// the context.
type spuriousCtxLock struct{ chanLock }

func (l spuriousCtxLock) AcquireContext(ctx context.Context) error {
	if l.TryAcquire() {
		return nil
	}
	return context.Canceled
}

// slowLock is correct, but every operation takes a few milliseconds, some
// of them while waiters are parked on a held lock.
type slowLock struct {
	chanLock
	n atomic.Int32
}

func (l *slowLock) pause() {
	time.Sleep(time.Duration(l.n.Add(1)%4) * time.Millisecond)
}
func (l *slowLock) Acquire()         { l.pause(); l.chanLock.Acquire(); l.pause() }
func (l *slowLock) TryAcquire() bool { l.pause(); return l.chanLock.TryAcquire() }
func (l *slowLock) Release() error   { l.pause(); return l.chanLock.Release() }

// mutexLock is sync.Mutex, which must never be released unlocked.
type mutexLock struct{ sync.Mutex }

func (l *mutexLock) Acquire()         { l.Lock() }
func (l *mutexLock) TryAcquire() bool { return l.TryLock() }
func (l *mutexLock) Release() error   { l.Unlock(); return nil }

func TestDetectors(t *testing.T) {
	cases := []struct {
		name string
		new  func() sim.Lock
		want sim.FailureKind // "" for a correct lock
		opts []sim.Option
	}{
		{"channel lock passes", newChanLock, "", nil},
		{"slow lock is not stuck", func() sim.Lock { return &slowLock{chanLock: make(chanLock, 1)} }, "", []sim.Option{sim.WithDuration(time.Second)}},
		{"sync.Mutex without unlocked releases", func() sim.Lock { return new(zoo.Mutex) }, "", []sim.Option{sim.WithoutUnlockedRelease()}},
		{"check-then-set is not linearizable", func() sim.Lock { return new(wideCheckThenSet) }, sim.Violation, nil},
		{"lost wake-up is stuck", func() sim.Lock { return new(wideLostWakeup) }, sim.Stuck, nil},
		{"release that wakes nobody is stuck", newNoWakeLock, sim.Stuck, nil},
		{"blocking try_acquire is stuck", func() sim.Lock { return blockingTryLock{make(chanLock, 1)} }, sim.Stuck, nil},
		{"try_acquire blocked behind a waiter is stuck", newTurnstile, sim.Stuck, nil},
		{"panic breaks the contract", func() sim.Lock { return panicLock{make(chanLock, 1)} }, sim.Contract, nil},
		{"spurious context error breaks the contract", func() sim.Lock { return spuriousCtxLock{make(chanLock, 1)} }, sim.Contract, nil},
		{"timed acquire that never waits gives up early", func() sim.Lock { return zoo.NewTimeoutNoWait() }, sim.Early, nil},
		{"timed waiter that misses its wake-up is stuck", func() sim.Lock { return zoo.NewUncountedWaiter() }, sim.Stuck, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := []sim.Option{sim.WithShrinkTime(2 * time.Second)}
			if c.want != "" {
				// The search stops at the first failure; a generous budget
				// keeps a rare race from making the test flaky.
				opts = append(opts, sim.WithDuration(30*time.Second))
			}
			opts = append(opts, c.opts...)
			rep, err := sim.RunLock(c.new, opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d histories, %d operations in %v", rep.Histories, rep.Operations, rep.Elapsed)
			switch {
			case c.want == "" && rep.Failure != nil:
				t.Fatalf("false alarm on a correct lock:\n%v", rep.Failure)
			case c.want != "" && rep.Failure == nil:
				t.Fatalf("no failure found, want %s", c.want)
			case c.want != "" && rep.Failure.Kind != c.want:
				t.Fatalf("failure kind %s, want %s:\n%v", rep.Failure.Kind, c.want, rep.Failure)
			case rep.Failure != nil:
				f := rep.Failure
				if len(f.History) == 0 || len(f.Scenario.Clients) == 0 || !strings.Contains(f.Error(), "history (") {
					t.Errorf("failure report lacks its scenario or history:\n%v", f)
				}
				if f.Kind != sim.Contract {
					if _, err := os.Stat(f.HTML); err != nil {
						t.Errorf("visualization not written: %v", err)
					}
				}
				if f.Kind == sim.Stuck && !strings.Contains(history.Timeline(f.History, f.Marks), "◀ stuck") {
					t.Errorf("stuck operation not marked:\n%v", f)
				}
			}
		})
	}
}

// TestLivelock: a waiter that keeps running is never called stuck by the
// stuck timeout (it may be a slow lock), but the global deadline reports it.
func TestLivelock(t *testing.T) {
	var over atomic.Bool
	defer over.Store(true)
	rep, err := sim.RunLock(func() sim.Lock { return livelockLock{zoo.NewChannel(), &over} },
		sim.WithDeadline(300*time.Millisecond), sim.WithStuckTimeout(50*time.Millisecond),
		sim.WithDuration(30*time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != sim.Stuck || !strings.Contains(rep.Failure.Summary, "global deadline") {
		t.Fatalf("got %v, want a stuck run ended by the global deadline", rep.Failure)
	}
}

// TestInconclusive: a checker that runs out of time is reported, not
// passed.
func TestInconclusive(t *testing.T) {
	// The search stops at the first failure: the budget only bounds one.
	rep, err := sim.RunLock(newChanLock, sim.WithCheckTimeout(time.Nanosecond), sim.WithClients(8, 8), sim.WithMaxSteps(6),
		sim.WithShrinkTime(time.Millisecond), sim.WithDuration(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != sim.Inconclusive {
		t.Fatalf("got %v, want an inconclusive failure", rep.Failure)
	}
}

// brokenTarget is a target whose infrastructure fails.
type brokenTarget struct{ chanLock }

func (b brokenTarget) Client(int) sim.Lock { return b.chanLock }
func (b brokenTarget) Close() error        { return nil }
func (b brokenTarget) Err() error          { return errors.New("driver exited") }

func TestTargetFailed(t *testing.T) {
	rep, err := sim.Run(func() (sim.Target, error) { return brokenTarget{make(chanLock, 1)}, nil }, sim.WithShrinkTime(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != sim.TargetFailed || !strings.Contains(rep.Failure.Summary, "driver exited") {
		t.Fatalf("got %v, want the target's failure", rep.Failure)
	}
	_, err = sim.Run(func() (sim.Target, error) { return nil, errors.New("no such command") })
	if err == nil || !strings.Contains(err.Error(), "no such command") {
		t.Fatalf("err = %v, want the target's error", err)
	}
}

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	rep, err := sim.RunLock(newChanLock, sim.WithDuration(100*time.Millisecond), sim.WithRecord(dir))
	if err != nil || rep.Failure != nil {
		t.Fatal(err, rep.Failure)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) != rep.Histories || len(files) == 0 {
		t.Fatalf("%d files for %d histories", len(files), rep.Histories)
	}
	f, err := os.Open(files[len(files)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := history.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if history.Check(h, 0).Verdict != history.Linearizable {
		t.Error("recorded history does not check")
	}
}

// TestAtLeastOneHistory: however short the budget (or loaded the machine,
// or slow the driver to start), a search checks one history, and then
// stops.
func TestAtLeastOneHistory(t *testing.T) {
	rep, err := sim.RunLock(newChanLock, sim.WithDuration(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Histories != 1 || rep.Failure != nil {
		t.Fatalf("%d histories, failure %v; want 1 history and a pass", rep.Histories, rep.Failure)
	}
}

func TestCheckPasses(t *testing.T) {
	sim.Check(t, newChanLock, sim.WithDuration(500*time.Millisecond))
}

func TestBadInput(t *testing.T) {
	if _, err := sim.RunLock(nil); err == nil {
		t.Error("nil constructor accepted")
	}
	if _, err := sim.RunLock(func() sim.Lock { return nil }); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("nil lock: err = %v", err)
	}
	for _, o := range []sim.Option{sim.WithDuration(0), sim.WithStuckTimeout(-1), sim.WithDeadline(0), sim.WithCheckTimeout(0), sim.WithShrinkTime(-1)} {
		if _, err := sim.RunLock(newChanLock, o); err == nil {
			t.Error("bad option accepted")
		}
	}
}
