package sim

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sched"
	schedsync "github.com/lockcheck/lockcheck/sched/sync"
	schedtime "github.com/lockcheck/lockcheck/sched/time"
)

// keepsGrantLock is zoo.TimeoutKeepsGrant on sched's primitives: a
// hand-off lock whose timed-out waiter leaves the queue without looking
// for a hand-off that came as its timer fired, so the lock stays held by
// nobody. Only a timer firing while the releaser can still run (the
// scheduler's timer choice) shows it.
type keepsGrantLock struct {
	mu    schedsync.Mutex
	held  bool
	queue []chan struct{}
}

func (l *keepsGrantLock) Acquire() {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return
	}
	ch := make(chan struct{}, 1)
	l.queue = append(l.queue, ch)
	l.mu.Unlock()
	sched.Recv(ch)
}

func (l *keepsGrantLock) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

func (l *keepsGrantLock) AcquireTimeout(d time.Duration) bool {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return true
	}
	if d <= 0 {
		l.mu.Unlock()
		return false
	}
	ch := make(chan struct{}, 1)
	l.queue = append(l.queue, ch)
	l.mu.Unlock()
	t := schedtime.NewTimer(d)
	defer t.Stop()
	if sched.Select(false, sched.OnRecv(ch), sched.OnRecv(t.C)) == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := slices.Index(l.queue, ch); i >= 0 {
		l.queue = slices.Delete(l.queue, i, i+1)
	}
	return false
}

func (l *keepsGrantLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errUnlocked
	}
	if len(l.queue) > 0 {
		sched.Send(l.queue[0], struct{}{})
		l.queue = l.queue[1:]
		return nil
	}
	l.held = false
	return nil
}

// uncountedLock is zoo.UncountedWaiter on sched's primitives: a timed
// waiter does not count itself, so a release wakes nobody and the waiter
// sits out its timeout on a free lock.
type uncountedLock struct {
	mu      schedsync.Mutex
	held    bool
	waiters int
	wake    chan struct{}
}

func newUncountedLock() Lock { return &uncountedLock{wake: make(chan struct{})} }

func (l *uncountedLock) Acquire() {
	l.mu.Lock()
	for l.held {
		l.waiters++
		wake := l.wake
		l.mu.Unlock()
		sched.Recv(wake)
		l.mu.Lock()
		l.waiters--
	}
	l.held = true
	l.mu.Unlock()
}

func (l *uncountedLock) TryAcquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held {
		return false
	}
	l.held = true
	return true
}

func (l *uncountedLock) AcquireTimeout(d time.Duration) bool {
	l.mu.Lock()
	if !l.held {
		l.held = true
		l.mu.Unlock()
		return true
	}
	if d <= 0 {
		l.mu.Unlock()
		return false
	}
	t := schedtime.NewTimer(d)
	defer t.Stop()
	for l.held {
		wake := l.wake
		l.mu.Unlock()
		if sched.Select(false, sched.OnRecv(wake), sched.OnRecv(t.C)) == 1 {
			return false
		}
		l.mu.Lock()
	}
	l.held = true
	l.mu.Unlock()
	return true
}

func (l *uncountedLock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.held {
		return errUnlocked
	}
	l.held = false
	if l.waiters > 0 {
		sched.Close(l.wake)
		l.wake = make(chan struct{})
	}
	return nil
}

// pollingLock is correct: its timed acquire polls TryAcquire with a sleep
// until its deadline, so a waiter on a lock just released has an earlier
// timer than its deadline (its sleep) and proceeds after it: it is not
// accused of sitting out its timeout.
type pollingLock struct{ ctlChanLock }

func (l pollingLock) AcquireTimeout(d time.Duration) bool {
	deadline := schedtime.Now().Add(d)
	for {
		if l.TryAcquire() {
			return true
		}
		left := schedtime.Until(deadline)
		if left <= 0 {
			return false
		}
		schedtime.Sleep(min(left, 10*time.Millisecond))
	}
}

// TestControlledTimers: the timer choice lets controlled mode catch a
// timeout that races a hand-off, and the watchdog catches a timed waiter
// with time left that a release does not let proceed (marked
// MarkTimeLeft); correct locks with timers (a timed select, a polling
// loop with sleeps) pass.
func TestControlledTimers(t *testing.T) {
	cases := []struct {
		name string
		new  func() Lock
		want FailureKind // "" for a correct lock
		in   string      // in the summary
	}{
		{"timeout keeps grant", func() Lock { return new(keepsGrantLock) }, Violation, ""},
		{"uncounted timed waiter", newUncountedLock, Stuck, "still had"},
		{"channel lock", func() Lock { return make(ctlChanLock, 1) }, "", ""},
		{"polling timed acquire", func() Lock { return pollingLock{make(ctlChanLock, 1)} }, "", ""},
	}
	seeds := uint64(1) // LOCKCHECK_SOAK=1: 10
	if os.Getenv("LOCKCHECK_SOAK") != "" {
		seeds = 10
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for seed := uint64(1); seed <= seeds; seed++ {
				var opts []Option
				if c.want == "" {
					opts = append(opts, WithDuration(2*time.Second))
				}
				rep := controlledRun(t, c.new, seed, opts...)
				f := rep.Failure
				if c.want == "" {
					if f != nil {
						t.Fatalf("seed %d: false alarm on a correct lock:\n%v", seed, f)
					}
					continue
				}
				if f == nil || f.Kind != c.want {
					t.Fatalf("seed %d: %v after %d histories, want %s", seed, f, rep.Histories, c.want)
				}
				if !strings.Contains(f.Summary, c.in) {
					t.Errorf("seed %d: summary %q lacks %q", seed, f.Summary, c.in)
				}
				if c.want == Stuck {
					marked := false
					for _, m := range f.Marks {
						marked = marked || m == MarkTimeLeft
					}
					if !marked {
						t.Errorf("seed %d: no operation marked %q:\n%v", seed, MarkTimeLeft, f)
					}
				}
				t.Logf("seed %d: %s after %d histories in %v", seed, f.Kind, rep.Histories, rep.Elapsed)
			}
		})
	}
}
