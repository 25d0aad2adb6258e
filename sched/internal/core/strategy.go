package core

import (
	"math/rand/v2"
	"slices"
	"sort"
)

// Strategy chooses at each scheduling point. A Strategy value keeps state
// across the runs it is used for (PCT adapts its estimate of a run's
// length); each run begins with Begin and ends with End.
type Strategy interface {
	Begin()
	// PickG returns the id of the goroutine to run, one of cands (the
	// goroutines' ids sorted, then TimerG when a timer is pending: choosing
	// it advances virtual time to that timer), given the default rule's
	// choice def (never TimerG); preemptible says that def is the goroutine
	// that was running (choosing another is a preemption).
	PickG(step int, cands []int, def int, preemptible bool) int
	// PickCase returns the select case that proceeds, one of ready (sorted).
	PickCase(step int, g int, ready []int) int
	NewG(id int)
	Demote(id int)
	End(steps int)
}

// Random is a uniform random walk: at each point, each candidate with equal
// probability (the timer choice, TimerG, as one more goroutine); each ready
// case likewise. Run i of a value uses the stream
// (seed, i).
type Random struct {
	seed uint64
	runs uint64
	rng  *rand.Rand
}

// NewRandom returns the random walk seeded with seed.
func NewRandom(seed uint64) *Random { return &Random{seed: seed} }

// Begin implements Strategy.
func (s *Random) Begin() {
	s.rng = rand.New(rand.NewPCG(s.seed, 0x5eed^s.runs))
	s.runs++
}

// PickG implements Strategy.
func (s *Random) PickG(_ int, cands []int, _ int, _ bool) int { return cands[s.rng.IntN(len(cands))] }

// PickCase implements Strategy.
func (s *Random) PickCase(_, _ int, ready []int) int { return ready[s.rng.IntN(len(ready))] }

// NewG implements Strategy.
func (s *Random) NewG(int) {}

// Demote implements Strategy.
func (s *Random) Demote(int) {}

// End implements Strategy.
func (s *Random) End(int) {}

// PCT is probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, ASPLOS 2010). Each goroutine gets a random priority above d
// when it is created; d−1 change points are drawn uniformly over the first
// k steps; at each point the enabled goroutine of highest priority runs,
// and when step number k_i is taken, the goroutine that took it drops to
// priority d−i (below every initial priority). A bug of depth d is then
// found with probability at least 1/(n·k^(d−1)) per run. k is the longest
// run seen so far by this Strategy value (DefaultK for its first run).
// A spinning goroutine (see G.Observe) drops below every other priority,
// so that spinning never starves the goroutine it waits for.
//
// The timer choice (TimerG) is a pseudo-goroutine with a priority of its
// own, drawn as a goroutine's at the beginning of each run. It is enabled
// whenever a timer is pending, so a fixed priority above a goroutine's
// would fire timer after timer (a ticker forever) while that goroutine
// waits: each time the timer fires (at a step that is not a change point,
// which lowers it as any goroutine's), its priority drops to just below
// the goroutine it preempted (the highest enabled one). That goroutine then
// runs on, and the timer fires again when it blocks (if the timer is above
// the next one) or when a change point lowers it: firing the next timer is
// a race the priorities and change points decide, as a goroutine's step.
type PCT struct {
	seed    uint64
	depth   int
	runs    uint64
	k       int
	rng     *rand.Rand
	prio    []int64
	changes []int // steps, sorted
	demoted int64
	tprio   int64 // the timer pseudo-goroutine's priority
}

// DefaultK is PCT's estimate of a run's length (steps) before it has seen one.
const DefaultK = 64

// NewPCT returns PCT with depth d (d < 1 counts as 1) and the estimate k
// of a run's length (k < 1: DefaultK until a run has been seen).
func NewPCT(seed uint64, depth, k int) *PCT {
	if depth < 1 {
		depth = 1
	}
	return &PCT{seed: seed, depth: depth, k: max(k, 0)}
}

// Begin implements Strategy.
func (s *PCT) Begin() {
	s.rng = rand.New(rand.NewPCG(s.seed, 0x9c7^s.runs))
	s.runs++
	k := s.k
	if k <= 0 {
		k = DefaultK
	}
	s.prio = s.prio[:0]
	s.changes = s.changes[:0]
	for i := 1; i < s.depth; i++ {
		s.changes = append(s.changes, s.rng.IntN(k))
	}
	sort.Ints(s.changes)
	s.demoted = 0
	s.tprio = s.draw()
}

// draw is an initial priority: above every priority a change point gives.
func (s *PCT) draw() int64 { return int64(s.depth) + 1 + int64(s.rng.Uint64()>>4) }

// NewG implements Strategy.
func (s *PCT) NewG(id int) {
	for len(s.prio) <= id {
		s.prio = append(s.prio, s.draw())
	}
}

// PickG implements Strategy.
func (s *PCT) PickG(step int, cands []int, _ int, _ bool) int {
	prio := func(id int) *int64 {
		if id == TimerG {
			return &s.tprio
		}
		return &s.prio[id]
	}
	best := cands[0]
	for _, id := range cands[1:] {
		if *prio(id) > *prio(best) {
			best = id
		}
	}
	changed := false
	for i, c := range s.changes {
		if c == step {
			*prio(best) = int64(s.depth - 1 - i) // change point i+1: priority d-(i+1)
			changed = true
		}
	}
	if best == TimerG && !changed {
		next := cands[0] // the highest goroutine (TimerG is last in cands)
		for _, id := range cands[1 : len(cands)-1] {
			if s.prio[id] > s.prio[next] {
				next = id
			}
		}
		s.tprio = s.prio[next] - 1
	}
	return best
}

// PickCase implements Strategy.
func (s *PCT) PickCase(_, _ int, ready []int) int { return ready[s.rng.IntN(len(ready))] }

// Demote implements Strategy.
func (s *PCT) Demote(id int) {
	s.demoted++
	s.prio[id] = -s.demoted
}

// End implements Strategy.
func (s *PCT) End(steps int) {
	if steps > s.k {
		s.k = steps
	}
}

// Replay forces a list of choices; at every other point, and where a
// recorded choice is not possible, the default rule applies.
type Replay struct {
	choices []Choice
	i       int
}

// rank orders the choices of one step as the scheduler asks for them: the
// goroutine (or the timer choice), then the select case.
func rank(c Choice) int {
	if c.Case {
		return 2
	}
	return 1
}

// NewReplay returns the strategy forcing choices.
func NewReplay(choices []Choice) *Replay {
	c := slices.Clone(choices)
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].Step != c[j].Step {
			return c[i].Step < c[j].Step
		}
		return rank(c[i]) < rank(c[j])
	})
	return &Replay{choices: c}
}

// Begin implements Strategy.
func (s *Replay) Begin() { s.i = 0 }

func (s *Replay) next(step int, isCase bool) (int, bool) {
	want := 1
	if isCase {
		want = 2
	}
	return s.nextRank(step, want)
}

func (s *Replay) nextRank(step, want int) (int, bool) {
	for s.i < len(s.choices) && (s.choices[s.i].Step < step || s.choices[s.i].Step == step && rank(s.choices[s.i]) < want) {
		s.i++
	}
	if s.i < len(s.choices) && s.choices[s.i].Step == step && rank(s.choices[s.i]) == want {
		n := s.choices[s.i].N
		s.i++
		return n, true
	}
	return 0, false
}

// PickG implements Strategy.
func (s *Replay) PickG(step int, cands []int, def int, _ bool) int {
	if n, ok := s.next(step, false); ok && slices.Contains(cands, n) {
		return n
	}
	return def
}

// PickCase implements Strategy.
func (s *Replay) PickCase(step int, _ int, ready []int) int {
	if n, ok := s.next(step, true); ok && slices.Contains(ready, n) {
		return n
	}
	return ready[0]
}

// NewG implements Strategy.
func (s *Replay) NewG(int) {}

// Demote implements Strategy.
func (s *Replay) Demote(int) {}

// End implements Strategy.
func (s *Replay) End(int) {}
