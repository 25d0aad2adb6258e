package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// The hand-written histories of docs/linearizability.md. Times are logical:
// they only order calls and returns.

// op is an operation that returned at ret with result ok, or, with ret ==
// history.Never, one that never returned.
func op(client int, k model.Kind, ok bool, call, ret int64) history.Op {
	o := history.Op{Client: client, Input: model.Input{Kind: k}, Output: model.Output{OK: ok}, Call: call, Return: ret}
	if ret == history.Never {
		o.Output = model.Output{Pending: true}
	}
	return o
}

func harness(o history.Op) history.Op { o.Note = "harness"; return o }

const never = history.Never

// teaching is one figure of docs/linearizability.md.
type teaching struct {
	name, title string
	want        history.Verdict // what the page says about it
	ops         []history.Op
	marks       map[int]string // extra marks (the culprit of a violation is marked anyway)
}

var teachings = []teaching{
	{
		name:  "linearizable",
		want:  history.Linearizable,
		title: "A linearizable history",
		ops: []history.Op{
			op(0, model.Acquire, true, 1, 2),
			op(1, model.Acquire, true, 3, 10), // waits for client 0's release
			op(2, model.TryAcquire, false, 4, 5),
			op(0, model.Release, true, 6, 7),
			op(2, model.Locked, true, 8, 11),
			op(1, model.Release, true, 12, 13),
		},
	},
	{
		name:  "not-linearizable",
		want:  history.NotLinearizable,
		title: "Not linearizable: an acquire that returned before the release was called",
		ops: []history.Op{
			op(0, model.Acquire, true, 1, 2),
			op(1, model.Acquire, true, 3, 4),
			op(0, model.Release, true, 5, 6),
		},
	},
	{
		name:  "two-winners",
		want:  history.NotLinearizable,
		title: "Not linearizable: two overlapping try_acquires that both win",
		ops: []history.Op{
			op(0, model.TryAcquire, true, 1, 4),
			op(1, model.TryAcquire, true, 2, 3),
		},
	},
	{
		name:  "pending-took-effect",
		want:  history.Linearizable,
		title: "A pending acquire that must have taken effect",
		ops: []history.Op{
			op(0, model.Acquire, true, 1, 2),
			op(1, model.Acquire, false, 3, never),
			op(0, model.Release, true, 4, 5),
			op(2, model.Locked, true, 6, 7),
		},
	},
	{
		name:  "pending-no-effect",
		want:  history.Linearizable,
		title: "The same pending acquire, which need not have taken effect",
		ops: []history.Op{
			op(0, model.Acquire, true, 1, 2),
			op(1, model.Acquire, false, 3, never),
			op(0, model.Release, true, 4, 5),
			op(2, model.TryAcquire, true, 6, 7),
		},
	},
	{
		name:  "lost-wakeup",
		want:  history.Linearizable,
		title: "Linearizable, and still wrong: a waiter stuck on a free lock",
		ops: []history.Op{
			op(0, model.Acquire, true, 1, 2),
			op(1, model.Acquire, false, 3, never),
			op(0, model.Release, true, 4, 5),
			harness(op(2, model.Release, false, 6, 7)),
		},
		marks: map[int]string{1: "◀ stuck"},
	},
}

// linearization checks h and returns porcupine's linearization of it, or,
// if there is none, the longest partial one (the first in lexicographic
// order among the longest, so that the figures do not change from run to
// run).
func linearization(h []history.Op) (history.Result, []int) {
	res := history.Check(h, 0)
	parts := res.Info.PartialLinearizations()
	var best []int
	if len(parts) == 1 {
		for _, lin := range parts[0] {
			if len(lin) > len(best) || (len(lin) == len(best) && slices.Compare(lin, best) < 0) {
				best = lin
			}
		}
	}
	if best == nil {
		best = []int{}
	}
	return res, best
}

// teachingFigure checks t's history and returns its figure and its text:
// the timeline, the verdict and the linearization, step by step.
func (t teaching) figure() (figure, string) {
	res, order := linearization(t.ops)
	marks := map[int]string{}
	for i, m := range t.marks {
		marks[i] = m
	}
	culprit := -1
	if res.Verdict == history.NotLinearizable {
		// As history.Check does, but from the partial linearization
		// chosen above: history.Check picks one of the longest at random.
		culprit = firstMissing(t.ops, order)
		marks[culprit] = "◀ cannot be linearized"
	}
	names := laneNames(t.ops)
	var b strings.Builder
	b.WriteString(history.Timeline(t.ops, marks))
	fmt.Fprintf(&b, "\n%s.\n", res.Verdict)
	if res.Verdict == history.Linearizable {
		b.WriteString("A linearization, with the lock's state before and after each step:\n")
	} else {
		b.WriteString("The longest prefix that can be linearized, with the lock's state before and after each step:\n")
	}
	w := 0
	for _, i := range order {
		w = max(w, utf8.RuneCountInString(model.Describe(t.ops[i].Input, t.ops[i].Output)))
	}
	s := model.StateUnlocked
	for k, i := range order {
		o := t.ops[i]
		next := model.Step(s, o.Input, o.Output)
		d := model.Describe(o.Input, o.Output)
		fmt.Fprintf(&b, "  %d. %-8s  %s%s  %s → %s\n", k+1, names[o.Client], d,
			strings.Repeat(" ", w-utf8.RuneCountInString(d)), s, next)
		s = next
	}
	if culprit >= 0 {
		o := t.ops[culprit]
		fmt.Fprintf(&b, "Nothing left can come next; the first operation that no linearization can include is %s's %s (marked ◀).\n",
			names[o.Client], model.Describe(o.Input, o.Output))
	}
	fig := figure{Title: t.title, Ops: t.ops, Marks: marks, Order: order, Step: 36}
	if culprit >= 0 {
		fig.Culprit = &culprit
	}
	return fig, b.String()
}

// firstMissing returns the operation of h with the earliest call that is
// not in order.
func firstMissing(h []history.Op, order []int) int {
	best := -1
	for i, o := range h {
		if !slices.Contains(order, i) && (best < 0 || o.Call < h[best].Call) {
			best = i
		}
	}
	return best
}
