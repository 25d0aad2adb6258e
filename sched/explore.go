package sched

import "github.com/lockcheck/lockcheck/sched/internal/core"

// ExploreOptions configure Explore.
type ExploreOptions struct {
	// Bound is the preemption bound: every schedule with at most Bound
	// preemptions is run (a switch away from a goroutine that can continue
	// is a preemption; so is the timer choice, see Schedule; a switch when
	// the running goroutine blocks or ends, and the choice of a select
	// case, are free).
	Bound int
	// MaxSchedules stops the exploration after that many runs (0: no limit).
	MaxSchedules int
	// Strict counts every choice off the default rule against Bound, as
	// Schedule.Preemptions does: a switch when the running goroutine
	// blocks or ends to another goroutine than the default one, and a
	// select case other than the first ready one, cost one like a
	// preemption. Strict bound k covers a subset of the schedules of
	// bound k, often ten times fewer.
	Strict bool
	// Timers also explores firing the earliest pending timer early: at
	// each decision with a pending timer, "fire it now" is an option
	// (costing one against Bound), so that timeouts and context deadlines
	// expire in the middle of other goroutines' operations too, not only
	// when nothing else can run. More schedules; timeout races covered.
	Timers bool
}

// ExploreStats is what Explore covered.
type ExploreStats struct {
	Bound     int   // the preemption bound
	Schedules int   // runs made, over all levels
	PerBound  []int // runs made at level b = 0..Bound (level b runs every schedule with at most b preemptions)
	// Complete: every schedule within the bound was run and none stopped
	// the exploration: the property checked by run holds for every
	// interleaving with at most Bound preemptions (for the goroutines given
	// and the scheduling points they have).
	Complete bool
	// Stopped: run returned true (a failure); its schedule is the last run,
	// and has the fewest preemptions of any failing schedule.
	Stopped bool
	// Preemptions of the last schedule run.
	Preemptions int
	// Diverged counts runs whose choice points differed from the recorded
	// ones: the code under test is not deterministic, and coverage is not
	// guaranteed.
	Diverged int
}

// Explore runs every schedule with at most opts.Bound preemptions
// (iterative context bounding, Musuvathi & Qadeer, PLDI 2007): run must
// call Run with the Strategy it is given (the same goroutines each time)
// and return true to stop, typically on a failure. The search is
// stateless: each schedule is a re-execution. It is a depth-first search
// over the choice points (a step with several candidates, a select with
// several ready cases): a run follows a prefix of choices, then the
// default rule, recording its choice points; the next prefix is the
// deepest choice point with an untried option within the bound. Levels
// b = 0, 1, ... Bound are explored in turn (each level runs the schedules
// of the previous ones again), so the first failure found has the fewest
// preemptions.
func Explore(opts ExploreOptions, run func(Strategy) (stop bool)) ExploreStats {
	st := ExploreStats{Bound: opts.Bound}
	for b := 0; b <= opts.Bound; b++ {
		st.PerBound = append(st.PerBound, 0)
		var prefix []core.Frame
		for {
			if opts.MaxSchedules > 0 && st.Schedules >= opts.MaxSchedules {
				return st
			}
			d := core.NewDFS(prefix)
			d.Strict = opts.Strict
			d.Timers = opts.Timers
			stop := run(strategy{d})
			st.Schedules++
			st.PerBound[b]++
			if d.Diverged {
				st.Diverged++
			}
			st.Preemptions = 0
			for _, f := range d.Frames {
				st.Preemptions += f.Cost(f.Chosen)
			}
			if stop {
				st.Stopped = true
				return st
			}
			next, more := core.Next(d.Frames, b)
			if !more {
				break
			}
			prefix = next
		}
	}
	st.Complete = true
	return st
}
