package sim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sim"
)

// deafDeadlineLock is a channel lock whose AcquireContext, when its
// context has a deadline, waits for the deadline only: a release does not
// let it proceed. Without a deadline it waits for the lock, correctly.
type deafDeadlineLock struct{ chanLock }

func (l deafDeadlineLock) AcquireContext(ctx context.Context) error {
	if l.TryAcquire() {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		select {
		case l.chanLock <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	<-ctx.Done() // the bug: a waiter with a deadline ignores releases
	return ctx.Err()
}

// TestCancellableWaiterWithTimeLeft: a context acquire cancelled after a
// (long) delay that stays blocked on a released lock with time left is
// stuck, like a blocking one; only such waiters have the bug here.
func TestCancellableWaiterWithTimeLeft(t *testing.T) {
	rep, err := sim.RunLock(func() sim.Lock { return deafDeadlineLock{make(chanLock, 1)} },
		sim.WithDuration(60*time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Failure
	if f == nil || f.Kind != sim.Stuck {
		t.Fatalf("got %v, want a stuck waiter", f)
	}
	marked := false
	for _, m := range f.Marks {
		marked = marked || m == sim.MarkTimeLeft
	}
	if !marked || !strings.Contains(f.Summary, "acquire_context(cancelled after") || !strings.Contains(f.Summary, "left") {
		t.Errorf("the waiter with time left is not named and marked %q:\n%v", sim.MarkTimeLeft, f)
	}
	t.Logf("caught after %d histories in %v", rep.Histories, rep.Elapsed.Round(time.Millisecond))
}
