package sched_test

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/sync"
)

// benchSteps runs two goroutines of n steps each per iteration and reports
// scheduling points per second.
func benchSteps(b *testing.B, mk func(i int) sched.Strategy, body func(n int) func()) {
	steps := 0
	for i := 0; b.Loop(); i++ {
		res := sched.Run(sched.Options{Strategy: mk(i)}, body(100), body(100))
		steps += res.Steps
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/run")
}

func atomics(n int) func() {
	var x int32
	return func() {
		for i := 0; i < n; i++ {
			atomic.AddInt32(&x, 1)
		}
	}
}

func mutexes(n int) func() {
	var mu sync.Mutex
	return func() {
		for i := 0; i < n/2; i++ {
			mu.Lock()
			mu.Unlock()
		}
	}
}

// BenchmarkSteps measures the scheduler's throughput: the default rule
// switches only when a goroutine ends (few hand-overs), Random switches at
// about every other step, PCT in between.
func BenchmarkSteps(b *testing.B) {
	strategies := []struct {
		name string
		mk   func(int) sched.Strategy
	}{
		{"default", func(int) sched.Strategy { return nil }},
		{"Random", func(i int) sched.Strategy { return sched.Random(uint64(i)) }},
		{"PCT3", func(i int) sched.Strategy { return sched.PCT(uint64(i), 3) }},
	}
	for _, s := range strategies {
		b.Run("atomic/"+s.name, func(b *testing.B) { benchSteps(b, s.mk, atomics) })
		b.Run("mutex/"+s.name, func(b *testing.B) { benchSteps(b, s.mk, mutexes) })
	}
}

// BenchmarkOutsideRun is the cost of a replacement operation outside a run
// (one atomic load of the run count, then the real operation), against the
// real operation.
func BenchmarkOutsideRun(b *testing.B) {
	var x int32
	b.Run("sched/atomic.AddInt32", func(b *testing.B) {
		for b.Loop() {
			atomic.AddInt32(&x, 1)
		}
	})
	b.Run("sched/sync.Mutex", func(b *testing.B) {
		var mu sync.Mutex
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
}
