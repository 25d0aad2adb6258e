package lockcheck_test

import (
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/lock"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// TestLockIsLinearizable is the product lock's claim, checked: sim.Check
// passes on lock.Lock with every operation it offers, releases of an
// unlocked lock and releases by other goroutines included.
func TestLockIsLinearizable(t *testing.T) {
	sim.Check(t, func() sim.Lock { return new(lock.Lock) })
}

// TestReferenceLocks: the harness passes well-known correct locks.
func TestReferenceLocks(t *testing.T) {
	for _, name := range []string{"mutex", "channel"} {
		e, ok := zoo.Lookup(name)
		if !ok || !e.Correct {
			t.Fatalf("zoo has no correct lock %q", name)
		}
		t.Run(name, func(t *testing.T) {
			sim.Check(t, e.New, append([]sim.Option{sim.WithDuration(2 * time.Second)}, e.Options...)...)
		})
	}
}

// TestBrokenLocksFail: the harness fails deliberately broken locks, each
// with the right kind of failure. (zoo's tests cover every broken lock.)
func TestBrokenLocksFail(t *testing.T) {
	for _, c := range []struct {
		name string
		want sim.FailureKind
	}{
		{"check-then-set", sim.Violation},
		{"lost-wakeup", sim.Stuck},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, ok := zoo.Lookup(c.name)
			if !ok || e.Correct {
				t.Fatalf("zoo has no broken lock %q", c.name)
			}
			// The search stops at the first failure: a generous budget costs
			// nothing then, and a loaded machine needs it (zoo's brokenBudget).
			rep, err := sim.RunLock(e.New, append([]sim.Option{sim.WithDuration(2 * time.Minute), sim.WithShrinkTime(3 * time.Second)}, e.Options...)...)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failure == nil {
				t.Fatalf("%s passed %d histories: the harness missed its bug", c.name, rep.Histories)
			}
			if rep.Failure.Kind != c.want {
				t.Fatalf("%s failed with %s, want %s:\n%v", c.name, rep.Failure.Kind, c.want, rep.Failure)
			}
			t.Logf("caught after %d histories (%v):\n%v", rep.Histories, rep.Elapsed.Round(time.Millisecond), rep.Failure)
		})
	}
}
