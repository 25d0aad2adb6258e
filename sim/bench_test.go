package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// chanLock is a correct lock for the harness's own benchmarks.
type chanLock chan struct{}

func (l chanLock) Acquire() { l <- struct{}{} }
func (l chanLock) TryAcquire() bool {
	select {
	case l <- struct{}{}:
		return true
	default:
		return false
	}
}
func (l chanLock) Release() error {
	select {
	case <-l:
		return nil
	default:
		return fmt.Errorf("not locked")
	}
}

// bigScenario gives each of n clients ops/n random steps.
func bigScenario(clients, ops int, seed uint64) Scenario {
	rng := rand.New(rand.NewPCG(seed, 1))
	kinds := []model.Kind{model.Acquire, model.TryAcquire, model.Release, model.Release}
	sc := Scenario{Clients: make([][]Step, clients)}
	for i := range sc.Clients {
		for range ops / clients {
			sc.Clients[i] = append(sc.Clients[i], Step{Kind: kinds[rng.IntN(len(kinds))]})
		}
	}
	return sc
}

func recordHistory(b *testing.B, clients, ops int) []history.Op {
	cfg, _ := newConfig(nil)
	cfg.inProcess = true
	r := newRun(cfg, bigScenario(clients, ops, uint64(clients*ops)), shared{make(chanLock, 1)})
	h, f := r.execute()
	if f != nil {
		b.Fatal(f)
	}
	return h
}

// BenchmarkPorcupine measures porcupine's check of one recorded history
// of a correct lock as the history grows.
func BenchmarkPorcupine(b *testing.B) {
	for _, ops := range []int{100, 1000, 10000} {
		for _, clients := range []int{2, 4, 8} {
			b.Run(fmt.Sprintf("ops=%d/clients=%d", ops, clients), func(b *testing.B) {
				h := recordHistory(b, clients, ops)
				b.ResetTimer()
				for b.Loop() {
					if r := history.Check(h, time.Minute); r.Verdict != history.Linearizable {
						b.Fatal(r.Verdict)
					}
				}
				b.ReportMetric(float64(len(h)), "ops/history")
			})
		}
	}
}

// BenchmarkHarness measures the whole loop (generate, run, record, check)
// on a correct lock: histories and operations checked per second.
func BenchmarkHarness(b *testing.B) {
	for b.Loop() {
		rep, err := RunLock(func() Lock { return make(chanLock, 1) }, WithDuration(2*time.Second))
		if err != nil || rep.Failure != nil {
			b.Fatal(err, rep.Failure)
		}
		b.ReportMetric(float64(rep.Histories)/rep.Elapsed.Seconds(), "histories/s")
		b.ReportMetric(float64(rep.Operations)/rep.Elapsed.Seconds(), "ops/s")
	}
}

// BenchmarkModes compares the two modes on the same correct lock (a
// channel lock whose channel operations go through package sched, which
// performs them directly outside a controlled run): histories checked per
// second, generation, runs and porcupine's checks included.
func BenchmarkModes(b *testing.B) {
	for _, mode := range []string{"stress", "controlled"} {
		b.Run(mode, func(b *testing.B) {
			opts := []Option{WithDuration(2 * time.Second), WithSeed(1)}
			if mode == "controlled" {
				opts = append(opts, withControlled())
			}
			for b.Loop() {
				rep, err := RunLock(func() Lock { return make(ctlChanLock, 1) }, opts...)
				if err != nil || rep.Failure != nil || rep.Mode != mode {
					b.Fatal(err, rep.Failure, rep.Mode)
				}
				b.ReportMetric(float64(rep.Histories)/rep.Elapsed.Seconds(), "histories/s")
				b.ReportMetric(float64(rep.Operations)/rep.Elapsed.Seconds(), "ops/s")
			}
		})
	}
}

// BenchmarkTimeToCatch measures how long each mode takes to find a bug of
// a test lock (no minimization): seconds per catch, and the histories it
// took.
func BenchmarkTimeToCatch(b *testing.B) {
	locks := []struct {
		name string
		new  func() Lock
	}{
		{"check-then-set", func() Lock { return new(ctsLock) }},
		{"lost-wakeup", func() Lock { return new(lostWakeLock) }},
	}
	for _, l := range locks {
		for _, mode := range []string{"stress", "controlled"} {
			b.Run(l.name+"/"+mode, func(b *testing.B) {
				var seed uint64
				for b.Loop() {
					seed++
					opts := []Option{WithDuration(time.Minute), WithShrinkTime(0), WithSeed(seed), WithHTMLDir(b.TempDir())}
					if mode == "controlled" {
						opts = append(opts, withControlled())
					}
					rep, err := RunLock(l.new, opts...)
					if err != nil || rep.Failure == nil {
						b.Fatal(err, "not caught")
					}
					b.ReportMetric(float64(rep.Histories), "histories/catch")
				}
			})
		}
	}
}
