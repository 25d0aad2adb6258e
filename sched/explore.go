package sched

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Bounded-exhaustive exploration.
//
// A run is a sequence of decisions: at each scheduling point with more than
// one candidate goroutine, which one runs; at each select with more than one
// ready case, which case proceeds. A Schedule keeps only the decisions that
// differ from the default rule; their number is the schedule's preemptions
// (Schedule.Preemptions). Because a run is deterministic given its
// decisions, the runs of a set of goroutines form a tree, and the runs with
// at most k preemptions are the leaves reached from the root by paths with
// at most k non-default edges.
//
// Explorer visits that tree depth first and statelessly, as CHESS does
// (Musuvathi & Qadeer, PLDI 2007, iterative context bounding): every run
// starts afresh (the caller builds fresh goroutines and a fresh object for
// each), replays the decisions of the path to the node being expanded, and
// from there takes the default at every new decision while recording, for
// each decision with alternatives, the alternatives still allowed by the
// budget (all the other candidates while the path has fewer than k
// non-default decisions, none after). After the run, the deepest decision
// with an untried alternative switches to it, the decisions below it are
// forgotten, and the next run follows the new path. When no decision has an
// untried alternative, every run with at most k preemptions has been made,
// each exactly once.
//
// Iterative deepening (Explore): passes with budget 0, 1, ..., k. Pass b
// makes every run with at most b preemptions, but the runs with fewer were
// made by an earlier pass, so only its runs with exactly b are new; the
// first failing run found therefore has the fewest preemptions of any
// failing run. The passes below k cost few runs next to the last one (about
// a fraction 2/D of it, where D is the number of decisions with
// alternatives along a run).
//
// Soundness rests on determinism: if a replayed decision does not meet the
// same choice again (its goroutine is not a candidate, the select is
// elsewhere), the run diverged from its path; the explorer counts it
// (Coverage.Divergent), and a coverage with divergent runs claims nothing.

// Explorer is a Strategy that makes, run after run, every schedule with at
// most Bound preemptions (choices that differ from the default rule, as
// Schedule.Preemptions counts them: preemptions proper, a switch to
// another goroutine than the default when the current one blocks, a select
// case other than the first ready one). Use it as:
//
//	x := sched.NewExplorer(2)
//	for x.Next() {
//		res := sched.Run(sched.Options{Strategy: x}, freshGoroutines()...)
//		// judge res
//	}
//	fmt.Println(x.Coverage())
//
// Every run must start from the same state (fresh goroutines over fresh
// objects): the exploration is exhaustive only for deterministic runs. An
// Explorer is not safe for use by several runs at once.
type Explorer struct {
	x *explorer
}

// NewExplorer returns an Explorer of the schedules with at most bound
// preemptions (bound < 0 counts as 0).
func NewExplorer(bound int) *Explorer {
	return &Explorer{&explorer{bound: max(bound, 0)}}
}

func (e *Explorer) strategy() core.Strategy { return e.x }

// Next reports whether a schedule remains to be run, and prepares the next
// run to make it. The first call always reports true.
func (e *Explorer) Next() bool {
	x := e.x
	if !x.started {
		x.started = true
		return true
	}
	return !x.done
}

// Coverage says what the runs made so far cover.
func (e *Explorer) Coverage() Coverage {
	x := e.x
	return Coverage{Bound: x.bound, Schedules: x.runs, Complete: x.started && x.done && x.divergent == 0,
		Divergent: x.divergent, Fresh: x.fresh}
}

// LastFresh reports whether the last run made has exactly Bound
// preemptions (a run with fewer was also made by an exploration with a
// smaller bound: iterative deepening need not judge it again).
func (e *Explorer) LastFresh() bool { return e.x.lastUsed == e.x.bound }

// Coverage is what an exploration covered.
type Coverage struct {
	Bound     int  // preemption bound
	Schedules int  // runs made, each a different schedule
	Complete  bool // every schedule with at most Bound preemptions was run, with no divergent run
	Divergent int  // runs that did not follow their path (the code is not deterministic under the scheduler)
	Fresh     int  // runs with exactly Bound preemptions
}

// String states the coverage plainly, e.g. "all 1,234 schedules with at
// most 2 preemptions".
func (c Coverage) String() string {
	what := fmt.Sprintf("%s with at most %s", plural(c.Schedules, "schedule"), plural(c.Bound, "preemption"))
	switch {
	case c.Divergent > 0:
		return fmt.Sprintf("%s run, not exhaustive: %d runs did not replay their path (the code does something the scheduler does not control)", what, c.Divergent)
	case !c.Complete:
		return what + " run (the exploration was stopped before it was complete)"
	case c.Schedules == 1:
		return "the only schedule with at most " + plural(c.Bound, "preemption")
	}
	return "all " + what
}

// plural writes n (with thousands separators) and the noun.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// thousands writes n in decimal with commas between groups of three digits
// (1234567 → "1,234,567").
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Explore runs, by iterative deepening over the bounds 0, 1, ..., bound,
// every schedule of the goroutines that setup makes (afresh for each run)
// with at most bound preemptions, and judges each new one with fails,
// which returns true for a failing run. It stops at the first failing run
// and returns it (one with the fewest preemptions of all failing runs with
// at most bound, see above); with none, res is nil. cov covers the runs
// judged: with no failure and cov.Complete, every schedule with at most
// bound preemptions passed. maxRuns > 0 stops the exploration after maxRuns runs
// (cov.Complete is then false). opts.Strategy is ignored.
func Explore(opts Options, bound, maxRuns int, setup func() []func(), fails func(*Result) bool) (cov Coverage, res *Result) {
	runs := 0
	for b := 0; b <= bound; b++ {
		x := NewExplorer(b)
		opts.Strategy = x
		for x.Next() {
			if maxRuns > 0 && runs >= maxRuns {
				cov.Bound, cov.Complete = b, false
				return cov, nil
			}
			runs++
			r := Run(opts, setup()...)
			if x.LastFresh() {
				cov.Schedules++
				if fails(r) {
					cov.Bound = b
					return cov, r
				}
			}
		}
		c := x.Coverage()
		cov.Divergent += c.Divergent
		cov.Fresh = c.Fresh
	}
	cov.Bound = bound
	cov.Complete = cov.Divergent == 0
	return cov, nil
}

// explorer is the depth-first search over decisions (see above).
type explorer struct {
	bound   int
	started bool
	done    bool

	path     []decision // the decisions with alternatives of the current path
	pos      int        // next decision of path to replay in this run
	used     int        // non-default decisions so far in this run
	diverged bool       // this run left its path

	runs, divergent, fresh int
	lastUsed               int
}

// decision is a point with alternatives: at step Step (a select case if
// Case), the options in order (the default first), the one taken, and how
// many non-default decisions precede it on the path.
type decision struct {
	step int
	cas  bool
	opts []int
	i    int
	used int
}

func (x *explorer) Begin() {
	x.pos, x.used, x.diverged = 0, 0, false
}

// choose is the decision at step among cands (sorted) with default def.
func (x *explorer) choose(step int, cas bool, cands []int, def int) int {
	if len(cands) < 2 || x.diverged {
		return def
	}
	if x.pos < len(x.path) {
		d := &x.path[x.pos]
		if d.step != step || d.cas != cas || !slices.Equal(d.opts, options(cands, def, d.used < x.bound)) {
			x.diverged = true
			return def
		}
		x.pos++
		c := d.opts[d.i]
		if d.i > 0 {
			x.used++
		}
		return c
	}
	if x.used >= x.bound {
		return def // no alternative within the budget: not a decision of the search
	}
	x.path = append(x.path, decision{step: step, cas: cas, opts: options(cands, def, true), used: x.used})
	x.pos++
	return def
}

// options lists the choices at a decision: the default, then (when the
// budget allows) the other candidates in order.
func options(cands []int, def int, alternatives bool) []int {
	out := []int{def}
	if !alternatives {
		return out
	}
	for _, c := range cands {
		if c != def {
			out = append(out, c)
		}
	}
	return out
}

func (x *explorer) PickG(step int, cands []int, def int) int {
	return x.choose(step, false, cands, def)
}

func (x *explorer) PickCase(step int, _ int, ready []int) int {
	return x.choose(step, true, ready, ready[0])
}

func (x *explorer) NewG(int)   {}
func (x *explorer) Demote(int) {}

// End records the run and moves the path to the next one: the deepest
// decision with an untried option takes it, and the decisions after it
// are dropped.
func (x *explorer) End(int) {
	x.runs++
	x.lastUsed = x.used
	if x.used == x.bound {
		x.fresh++
	}
	if x.diverged || x.pos < len(x.path) {
		x.divergent++
		x.path = x.path[:x.pos]
	}
	for len(x.path) > 0 {
		d := &x.path[len(x.path)-1]
		if d.i+1 < len(d.opts) {
			d.i++
			return
		}
		x.path = x.path[:len(x.path)-1]
	}
	x.done = true
}
