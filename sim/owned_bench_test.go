package sim

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// ownedChanLock is a correct owned, non-reentrant lock for the benchmarks:
// chanLock and its holder's goroutine id.
type ownedChanLock struct {
	chanLock
	owner atomic.Int64
}

func (l *ownedChanLock) Acquire() { l.chanLock.Acquire(); l.owner.Store(goid()) }
func (l *ownedChanLock) TryAcquire() bool {
	ok := l.chanLock.TryAcquire()
	if ok {
		l.owner.Store(goid())
	}
	return ok
}
func (l *ownedChanLock) AcquireTimeout(d time.Duration) bool {
	if l.TryAcquire() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case l.chanLock <- struct{}{}:
		l.owner.Store(goid())
		return true
	case <-t.C:
		return false
	}
}
func (l *ownedChanLock) Release() error {
	if l.owner.Load() != goid() {
		return fmt.Errorf("not the holder")
	}
	l.owner.Store(0)
	return l.chanLock.Release()
}

// BenchmarkPorcupineOwned measures porcupine's check of one recorded
// history of a correct owned lock, in which every release is the holder's,
// so that the history is linearizable under the unowned model too: the
// ratio of the two is the cost of the owned model's richer state.
func BenchmarkPorcupineOwned(b *testing.B) {
	for _, ops := range []int{100, 1000, 10000} {
		for _, clients := range []int{2, 8} {
			cfg, _ := newConfig([]Option{WithOwnership(), WithoutUnlockedRelease()})
			cfg.inProcess = true
			r := newRun(cfg, bigScenario(clients, ops, uint64(clients*ops)), shared{&ownedChanLock{chanLock: make(chanLock, 1)}})
			h, f := r.execute()
			if f != nil {
				b.Fatal(f)
			}
			for _, lock := range []model.Semantics{model.Unowned, model.Owned} {
				b.Run(fmt.Sprintf("ops=%d/clients=%d/model=%s", ops, clients, lock), func(b *testing.B) {
					for b.Loop() {
						if r := history.CheckOf(h, lock, time.Minute); r.Verdict != history.Linearizable {
							b.Fatal(r.Verdict)
						}
					}
					b.ReportMetric(float64(len(h)), "ops/history")
				})
			}
		}
	}
}

// TestOwnedHolderTimedAcquire: the holder of an owned, non-reentrant lock
// that makes a long timed acquisition waits for no release (only it could
// make one): the acquisition fails at its timeout, and the watchdog does
// not call it stuck.
func TestOwnedHolderTimedAcquire(t *testing.T) {
	cfg, err := newConfig([]Option{WithOwnership()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.inProcess = true
	sc := Scenario{Clients: [][]Step{{{Kind: model.Acquire}, {Kind: model.AcquireTimeout, Timeout: longDelay(cfg.stuck)}}}}
	h, f := newRun(cfg, sc, shared{&ownedChanLock{chanLock: make(chanLock, 1)}}).execute()
	if f != nil {
		t.Fatalf("false alarm:\n%v", f)
	}
	if res := history.CheckOf(h, model.Owned, time.Minute); res.Verdict != history.Linearizable {
		t.Fatalf("history %v: %v", h, res.Verdict)
	}
}
