package sim_test

import (
	"os"
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

// strictLock is an owned lock that stops the test (panics) when a goroutine
// that does not hold it releases it, as some owned locks do.
type strictLock struct{ *zoo.OwnedMutex }

func (l strictLock) Release() error {
	if err := l.OwnedMutex.Release(); err != nil {
		panic("release by a goroutine that does not hold the lock")
	}
	return nil
}

// handleLock is a reentrant lock in the shape of a Target: each client's
// handle is its owner.
type handleLock struct {
	mu    sync.Mutex
	cond  *sync.Cond
	owner int // -1: free
	count int
}

type handle struct {
	l  *handleLock
	id int
}

func newHandleLock() *handleLock {
	l := &handleLock{owner: -1}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (h handle) Acquire() {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	for h.l.owner != -1 && h.l.owner != h.id {
		h.l.cond.Wait()
	}
	h.l.owner = h.id
	h.l.count++
}

func (h handle) TryAcquire() bool {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	if h.l.owner != -1 && h.l.owner != h.id {
		return false
	}
	h.l.owner = h.id
	h.l.count++
	return true
}

func (h handle) Release() error {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	if h.l.owner != h.id {
		return zoo.ErrNotOwner
	}
	if h.l.count--; h.l.count == 0 {
		h.l.owner = -1
		h.l.cond.Signal()
	}
	return nil
}

func (l *handleLock) Client(id int) sim.Lock { return handle{l, id} }
func (l *handleLock) Close() error           { return nil }

// TestOwnership: the options check owned locks as owned (correct ones
// pass), every release goes through the holder, and the refusal of a
// release by a non-holder is exercised.
func TestOwnership(t *testing.T) {
	owned, reentrant := sim.WithOwnership(), sim.WithReentrancy()
	cases := []struct {
		name string
		new  func() sim.Lock
		want sim.FailureKind // "" for a pass
		opts []sim.Option
	}{
		{"owned mutex passes", func() sim.Lock { return zoo.NewOwnedMutex() }, "", []sim.Option{owned}},
		{"reentrant mutex passes", func() sim.Lock { return zoo.NewReentrantMutex() }, "", []sim.Option{reentrant}},
		{"reentrancy survives a later WithOwnership", func() sim.Lock { return zoo.NewReentrantMutex() }, "", []sim.Option{reentrant, owned}},
		// Every release of the harness goes through the holder: a lock
		// that panics on any other release passes once the releases of a
		// non-holder are turned off, and breaks the contract when they
		// are not.
		{"only holders release", func() sim.Lock { return strictLock{zoo.NewOwnedMutex()} }, "", []sim.Option{owned, sim.WithoutUnlockedRelease()}},
		{"a non-holder's release is tried", func() sim.Lock { return strictLock{zoo.NewOwnedMutex()} }, sim.Contract, []sim.Option{owned}},
		{"a reentrant lock checked as owned fails", func() sim.Lock { return zoo.NewReentrantMutex() }, sim.Violation, []sim.Option{owned}},
		{"an unowned lock checked as owned fails", newChanLock, sim.Violation, []sim.Option{owned}},
		{"an owned lock checked as unowned fails", func() sim.Lock { return zoo.NewOwnedMutex() }, "any", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := []sim.Option{sim.WithShrinkTime(time.Second), sim.WithHTMLDir(t.TempDir()), sim.WithDuration(time.Second)}
			if c.want != "" {
				opts = append(opts, sim.WithDuration(30*time.Second)) // bounds a failure only
			}
			rep, err := sim.RunLock(c.new, append(opts, c.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == "" && rep.Failure != nil:
				t.Fatalf("false alarm:\n%v", rep.Failure)
			case c.want != "" && rep.Failure == nil:
				t.Fatalf("no failure in %d histories, want %s", rep.Histories, c.want)
			case c.want != "" && c.want != "any" && rep.Failure.Kind != c.want:
				t.Fatalf("failure kind %s, want %s:\n%v", rep.Failure.Kind, c.want, rep.Failure)
			}
			if f := rep.Failure; f != nil && c.opts == nil && strings.Contains(f.Summary, "release() → error (marked ◀)") &&
				!strings.Contains(f.Summary, "sim.WithOwnership()") {
				t.Errorf("a refused release is the culprit, and no hint at WithOwnership in %q", f.Summary)
			}
			t.Logf("%d histories; %v", rep.Histories, rep.Failure)
		})
	}
}

// TestOwnedTarget: a target's handles are the owners.
func TestOwnedTarget(t *testing.T) {
	rep, err := sim.Run(func() (sim.Target, error) { return newHandleLock(), nil },
		sim.WithReentrancy(), sim.WithDuration(time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure != nil {
		t.Fatalf("false alarm:\n%v", rep.Failure)
	}
	t.Logf("%d histories", rep.Histories)
}

// TestReentrantDeadlock: the holder's acquire of a reentrant lock that
// blocks is stuck, and the report says why.
func TestReentrantDeadlock(t *testing.T) {
	rep, err := sim.RunLock(func() sim.Lock { return zoo.NewReentrantAcquireDeadlocks() }, sim.WithReentrancy(),
		sim.WithDuration(30*time.Second), sim.WithShrinkTime(time.Second), sim.WithHTMLDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Failure.Kind != sim.Stuck || !strings.Contains(rep.Failure.Summary, "its own acquire deadlocked") {
		t.Fatalf("got %v, want a stuck reentrant acquire", rep.Failure)
	}
}

// TestRecordOwned: recorded histories of an owned lock say so, and check.
func TestRecordOwned(t *testing.T) {
	dir := t.TempDir()
	rep, err := sim.RunLock(func() sim.Lock { return zoo.NewReentrantMutex() }, sim.WithReentrancy(),
		sim.WithDuration(100*time.Millisecond), sim.WithRecord(dir))
	if err != nil || rep.Failure != nil {
		t.Fatal(err, rep.Failure)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) == 0 {
		t.Fatal("no history recorded")
	}
	f, err := os.Open(files[len(files)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, meta, err := history.ReadMeta(f)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Lock != model.Reentrant {
		t.Errorf("recorded lock %v, want reentrant", meta.Lock)
	}
	if history.CheckOf(h, meta.Lock, 0).Verdict != history.Linearizable {
		t.Error("recorded history does not check")
	}
}
