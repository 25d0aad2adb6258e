package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

func TestGaveUpEarly(t *testing.T) {
	t0 := time.Unix(1000, 0)
	timed := func(d time.Duration) Step { return Step{Kind: model.AcquireTimeout, Timeout: d} }
	for _, tc := range []struct {
		name string
		s    Step
		ok   bool
		took time.Duration
		want string // a substring of the message; "" for no broken promise
	}{
		{"failed before its timeout", timed(50 * time.Millisecond), false, 3 * time.Microsecond,
			"acquire_timeout(50ms) → false after 3µs: a timed acquire waits its timeout before it gives up"},
		{"failed a nanosecond early", timed(time.Millisecond), false, time.Millisecond - 1, "after 999.999µs"},
		{"failed at its timeout", timed(time.Millisecond), false, time.Millisecond, ""},
		{"failed late", timed(time.Millisecond), false, time.Second, ""},
		{"acquired at once", timed(time.Second), true, time.Microsecond, ""},
		{"zero timeout is a try", timed(0), false, 0, ""},
		{"negative timeout is a try", timed(-time.Second), false, 0, ""},
		{"try_acquire", Step{Kind: model.TryAcquire}, false, 0, ""},
		{"cancelled context (a contract, checked in invoke)", Step{Kind: model.AcquireContext, Cancel: CancelAfter, After: time.Second}, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := gaveUpEarly(tc.s, tc.ok, t0, t0.Add(tc.took))
			switch {
			case tc.want == "" && got != "":
				t.Errorf("gaveUpEarly = %q, want none", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("gaveUpEarly = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

func TestHasTimeLeft(t *testing.T) {
	now := time.Unix(1000, 0)
	const stuck = 100 * time.Millisecond
	for _, tc := range []struct {
		bound time.Time
		want  bool
	}{
		{time.Time{}, true},                  // may wait forever
		{now.Add(10 * stuck), true},          // far away
		{now.Add(stuck + stuck/2 + 1), true}, // just more than the margin
		{now.Add(stuck + stuck/2), false},    // the margin: busy
		{now.Add(stuck), false},              // close: it returns by its bound
		{now, false},                         // a non-blocking operation
		{now.Add(-time.Second), false},       // overrun: judged as overdue
	} {
		if got := hasTimeLeft(tc.bound, now, stuck); got != tc.want {
			t.Errorf("hasTimeLeft(now%+v) = %v, want %v", tc.bound.Sub(now), got, tc.want)
		}
	}
}

// TestLongDelays: generated scenarios have long timed and cancellable
// acquires, long enough for the watchdog to judge them with time left.
func TestLongDelays(t *testing.T) {
	const stuck = 500 * time.Millisecond
	long := longDelay(stuck)
	if !hasTimeLeft(time.Unix(0, 0).Add(long-stuck), time.Unix(0, 0), stuck) {
		t.Fatalf("a waiter with a long timeout of %v is not judged with time left after a stuck timeout of %v", long, stuck)
	}
	kinds := []model.Kind{model.AcquireTimeout, model.AcquireContext}
	seen := map[model.Kind]bool{}
	gen := scenarioGen(kinds, 8, 8, 6, long)
	for i := 0; i < 100 && len(seen) < 2; i++ {
		for _, steps := range gen.Example(i).Clients {
			for _, s := range steps {
				if s.Timeout == long || s.Cancel == CancelAfter && s.After == long {
					seen[s.Kind] = true
				}
			}
		}
	}
	if len(seen) < 2 {
		t.Errorf("long delays in 100 scenarios of 48 steps: %v, want both kinds", seen)
	}
}
