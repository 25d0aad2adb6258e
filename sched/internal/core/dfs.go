package core

import "slices"

// Frame is one choice point of a run explored by DFS: the options in the
// order they are tried (the default first), the one taken, whether taking
// another than the default is a preemption, and the preemptions taken
// before it.
type Frame struct {
	Case        bool
	Options     []int
	Chosen      int // index in Options
	Preemptible bool
	Budget      int
	Strict      bool // every option but the default costs one (see sched.ExploreOptions.Strict)
}

// Cost is the number of preemptions that taking option j costs: a switch
// away from a goroutine that could continue, or the timer choice (TimerG,
// never the default rule's: it always counts, so a ticker cannot make the
// search infinite).
func (f Frame) Cost(j int) int {
	if j > 0 && (f.Strict || !f.Case && (f.Preemptible || f.Options[j] == TimerG)) {
		return 1
	}
	return 0
}

// DFS is the strategy of one run of a bounded-exhaustive exploration: it
// follows a prefix of choices, then the default rule, and records every
// choice point with more than one option (points with one option are
// forced, and the same in every run).
type DFS struct {
	prefix   []Frame
	Frames   []Frame
	pos      int
	used     int
	Diverged bool // a prefix choice point did not match: the code is not deterministic
	Strict   bool // every choice off the default costs one
	Timers   bool // also offer the timer choice (TimerG): fire the earliest pending timer while goroutines can run
}

// NewDFS returns the strategy following prefix.
func NewDFS(prefix []Frame) *DFS { return &DFS{prefix: prefix} }

// Begin implements Strategy.
func (s *DFS) Begin() { s.Frames, s.pos, s.used, s.Diverged = s.Frames[:0], 0, 0, false }

func (s *DFS) choose(isCase bool, opts []int, preemptible bool) int {
	return s.chooseFrame(Frame{Case: isCase, Options: opts, Preemptible: preemptible})
}

func (s *DFS) chooseFrame(f Frame) int {
	isCase, opts, preemptible := f.Case, f.Options, f.Preemptible
	idx := 0
	if s.pos < len(s.prefix) {
		p := s.prefix[s.pos]
		if p.Case == isCase && slices.Equal(p.Options, opts) {
			idx = p.Chosen
		} else {
			s.Diverged = true
		}
	}
	f = Frame{Case: isCase, Options: opts, Chosen: idx, Preemptible: preemptible, Budget: s.used, Strict: s.Strict}
	s.used += f.Cost(idx)
	s.Frames = append(s.Frames, f)
	s.pos++
	return opts[idx]
}

// PickG implements Strategy.
func (s *DFS) PickG(_ int, cands []int, def int, preemptible bool) int {
	if !s.Timers && len(cands) > 1 && cands[len(cands)-1] == TimerG {
		cands = cands[:len(cands)-1] // timer races are opt-in: time moves only when nothing can run
	}
	if len(cands) == 1 {
		return cands[0]
	}
	opts := make([]int, 0, len(cands))
	opts = append(opts, def)
	for _, c := range cands {
		if c != def {
			opts = append(opts, c) // TimerG, last in cands, is tried last
		}
	}
	return s.choose(false, opts, preemptible)
}

// PickCase implements Strategy.
func (s *DFS) PickCase(_, _ int, ready []int) int {
	return s.choose(true, slices.Clone(ready), false)
}

// NewG implements Strategy.
func (s *DFS) NewG(int) {}

// Demote implements Strategy.
func (s *DFS) Demote(int) {}

// End implements Strategy.
func (s *DFS) End(int) {}

// Next returns the prefix of the next run of a depth-first search of the
// choice points of frames (the last run), within bound preemptions, and
// false when the search is over.
func Next(frames []Frame, bound int) ([]Frame, bool) {
	for i := len(frames) - 1; i >= 0; i-- {
		f := frames[i]
		for j := f.Chosen + 1; j < len(f.Options); j++ {
			if f.Budget+f.Cost(j) <= bound {
				next := slices.Clone(frames[:i+1])
				next[i].Chosen = j
				return next, true
			}
		}
	}
	return nil, false
}
