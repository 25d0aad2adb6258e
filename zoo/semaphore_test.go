package zoo_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
	"golang.org/x/sync/semaphore"
)

// TestWeightedOverRelease shows what x/sync/semaphore does when a
// Weighted(1) that nobody holds is released: Release panics, but only
// after it has decremented the count, and the panic leaves it at -1. The
// semaphore keeps working, as a semaphore of two permits: two acquirers get
// in.
func TestWeightedOverRelease(t *testing.T) {
	s := semaphore.NewWeighted(1)
	p := func() (p any) {
		defer func() { p = recover() }()
		s.Release(1)
		return nil
	}()
	if p != "semaphore: released more than held" {
		t.Fatalf("Release(1) of a free Weighted(1) panicked with %v", p)
	}
	first, second, third := s.TryAcquire(1), s.TryAcquire(1), s.TryAcquire(1)
	if !first || !second || third {
		t.Fatalf("after the recovered panic, three TryAcquire(1) = %t, %t, %t; want true, true, false (the count is -1)", first, second, third)
	}
	// A blocking Acquire is just as happy to be the second holder.
	s2 := semaphore.NewWeighted(1)
	func() {
		defer func() { _ = recover() }()
		s2.Release(1)
	}()
	s2.TryAcquire(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // bounds a failure only
	defer cancel()
	if err := s2.Acquire(ctx, 1); err != nil {
		t.Fatalf("a second Acquire on a held, corrupted Weighted(1): %v; want it to get in", err)
	}
	// The count stays off by one: of the two holders' releases, the
	// second panics again.
	s2.Release(1)
	p = func() (p any) {
		defer func() { p = recover() }()
		s2.Release(1)
		return nil
	}()
	if p == nil {
		t.Fatal("the second holder's release did not panic")
	}
}

// TestWeightedCancelledAcquire shows that a Weighted(1) whose Acquire is
// cancelled just as the semaphore is handed to it holds the semaphore for a
// moment, then gives it back and reports failure. In between, TryAcquire
// fails although, as far as every caller can tell, nobody holds it: A
// released (successfully), W's Acquire failed, and nobody else acquired.
// With GOMAXPROCS=1 the interleaving is deterministic: cancel makes W
// runnable but does not run it, so Release hands the semaphore to W while W
// is still queued. W is known to be queued, not guessed to be: in a synctest
// bubble, synctest.Wait returns once W is blocked.
func TestWeightedCancelledAcquire(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	synctest.Test(t, func(t *testing.T) {
		for i := range 20 {
			s := semaphore.NewWeighted(1)
			if !s.TryAcquire(1) { // A holds it
				t.Fatal("TryAcquire of a new Weighted(1) failed")
			}
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan error)
			go func() { res <- s.Acquire(ctx, 1) }() // W waits
			synctest.Wait()                          // W is queued (blocked in the bubble)
			cancel()
			s.Release(1) // A releases: the semaphore goes to W, still queued
			busy := !s.TryAcquire(1)
			err := <-res
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("run %d: W's Acquire returned %v, want context.Canceled", i, err)
			}
			if !busy {
				t.Fatalf("run %d: TryAcquire right after A's release succeeded; the race was not hit", i)
			}
			if !s.TryAcquire(1) {
				t.Fatalf("run %d: the semaphore is still held after W gave up", i)
			}
		}
	})
}

// semaphoreWithContext is zoo.Semaphore plus the AcquireContext the zoo's
// adapter deliberately leaves out: Weighted.Acquire(ctx, 1).
type semaphoreWithContext struct {
	*zoo.Semaphore
	sem *semaphore.Weighted
}

func (s semaphoreWithContext) AcquireContext(ctx context.Context) error { return s.sem.Acquire(ctx, 1) }

// TestWeightedCancelledAcquireInHarness, with LOCKCHECK_SOAK=1, lets the
// harness find the race of TestWeightedCancelledAcquire by itself.
func TestWeightedCancelledAcquireInHarness(t *testing.T) {
	if os.Getenv("LOCKCHECK_SOAK") != "1" {
		t.Skip("set LOCKCHECK_SOAK=1 to run")
	}
	runs := envInt(t, "LOCKCHECK_SOAK_RUNS", 20)
	caught := 0
	for range runs {
		rep, err := sim.RunLock(func() sim.Lock {
			sem := semaphore.NewWeighted(1)
			return semaphoreWithContext{zoo.NewSemaphoreOf(sem), sem}
		}, sim.WithShrinkTime(2*time.Second), sim.WithDuration(10*time.Second), sim.WithHTMLDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failure != nil {
			caught++
			t.Logf("after %d histories in %v:\n%s", rep.Histories, rep.Elapsed.Round(time.Millisecond), rep.Failure.Error())
		}
	}
	t.Logf("SOAK Weighted.Acquire(ctx) caught %d/%d in 10s searches", caught, runs)
}

// TestWeightedCancelledAcquireOverReleases goes one step further than
// TestWeightedCancelledAcquire: while the cancelled W briefly holds the
// semaphore, someone releases it (a lock is not owned: any goroutine may
// release it, and the release is legitimate, since the semaphore is held).
// W then gives back what it no longer has. Depending on which ready case
// W's select picks, the count goes to -1 (two holders admitted from then
// on) or W's Acquire panics with "released more than held". W's select
// takes the case that woke it: done if the cancellation came first, ready
// if the hand-off did; the test does both.
func TestWeightedCancelledAcquireOverReleases(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var outcomes map[string]int
	synctest.Test(t, func(t *testing.T) {
		outcomes = map[string]int{}
		for i := range 40 {
			s := semaphore.NewWeighted(1)
			s.TryAcquire(1) // A holds it
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan any)
			go func() {
				defer func() {
					if p := recover(); p != nil {
						res <- p
					}
				}()
				res <- s.Acquire(ctx, 1) // W waits
			}()
			synctest.Wait() // W is queued
			if i%2 == 0 {
				cancel()
				s.Release(1) // A releases: the semaphore goes to W, still queued
			} else {
				s.Release(1)
				cancel()
			}
			s.Release(1) // B releases the held semaphore
			switch r := (<-res).(type) {
			case error:
				if !errors.Is(r, context.Canceled) {
					t.Fatalf("W's Acquire returned %v", r)
				}
				if s.TryAcquire(1) && s.TryAcquire(1) {
					outcomes["count -1: two holders admitted"]++
				} else {
					outcomes["no damage"]++
				}
			default:
				outcomes["Acquire panicked: "+r.(string)]++
			}
		}
	})
	t.Logf("%v", outcomes)
	if outcomes["no damage"] > 0 || len(outcomes) != 2 {
		t.Errorf("outcomes %v; want both kinds of damage and no run without", outcomes)
	}
}
