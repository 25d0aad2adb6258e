package history

import (
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/model"
)

// Never is the Return time of an operation that never returned.
const Never int64 = math.MaxInt64

// Op is one operation of a history.
type Op struct {
	Client int          // the client (process) that ran it, from 0
	Input  model.Input  // what was asked
	Output model.Output // how it ended; Output.Pending if it never returned
	Call   int64        // logical time of the call
	Return int64        // logical time of the return, or Never; with Output.Pending, of an "info" record
	Note   string       // optional, e.g. "harness" for an operation the harness added
}

// Verdict is the outcome of a linearizability check.
type Verdict string

// The verdicts of Check.
const (
	Linearizable    Verdict = "linearizable"
	NotLinearizable Verdict = "not linearizable"
	// Unknown means the checker ran out of time: nothing was proved.
	Unknown Verdict = "unknown (checker timed out)"
)

// Result is the outcome of Check, with what is needed to explain it.
type Result struct {
	Verdict Verdict
	// Culprit is the index in the history of the first operation (by call
	// time) that no longest partial linearization could include, or -1.
	Culprit int
	// Info is porcupine's linearization information, for Visualize.
	Info porcupine.LinearizationInfo

	lock model.Semantics // the model that checked it
}

// Operations converts h to porcupine operations of model.Model. Operations
// that never returned get return times after every other event, so that
// they may be linearized at any point after their call.
func Operations(h []Op) []porcupine.Operation { return OperationsOf(h, model.Unowned) }

// OperationsOf converts h to porcupine operations of lock's model (see
// model.Semantics.Model), as Operations does: for an owned lock, each input
// is a model.OwnedInput whose client is the operation's Client.
func OperationsOf(h []Op, lock model.Semantics) []porcupine.Operation {
	var last int64
	for _, op := range h {
		last = max(last, op.Call)
		if op.Return != Never {
			last = max(last, op.Return)
		}
	}
	ops := make([]porcupine.Operation, len(h))
	for i, op := range h {
		ret := op.Return
		if ret == Never || op.Output.Pending {
			last++
			ret = last
		}
		var meta any
		if op.Note != "" {
			meta = op.Note
		}
		var in any = op.Input
		if lock == model.Owned || lock == model.Reentrant {
			in = model.OwnedInput{Input: op.Input, Client: op.Client}
		}
		ops[i] = porcupine.Operation{ClientId: op.Client, Input: in, Output: op.Output,
			Call: op.Call, Return: ret, Metadata: meta}
	}
	return ops
}

// Check decides whether h is linearizable with respect to model.Model,
// giving up after timeout (0 means no limit) with the verdict Unknown.
func Check(h []Op, timeout time.Duration) Result { return CheckOf(h, model.Unowned, timeout) }

// CheckOf is Check for a lock of the given semantics: it checks h against
// lock.Model() (model.Model, model.OwnedModel or model.ReentrantModel), with
// each operation's Client as its owner. A history read from a file is
// checked with the semantics of its header (see ReadMeta).
func CheckOf(h []Op, lock model.Semantics, timeout time.Duration) Result {
	res, info := porcupine.CheckOperationsVerbose(lock.Model(), OperationsOf(h, lock), timeout)
	r := Result{Culprit: -1, Info: info, lock: lock}
	switch res {
	case porcupine.Ok:
		r.Verdict = Linearizable
	case porcupine.Illegal:
		r.Verdict = NotLinearizable
		r.Culprit = culprit(h, info)
	default:
		r.Verdict = Unknown
	}
	return r
}

// culprit finds the operation with the earliest call that is missing from
// a longest partial linearization porcupine found. Porcupine lists those
// in no fixed order, so among several longest ones the earliest culprit
// (then the lowest index) wins, and the answer does not vary between runs.
func culprit(h []Op, info porcupine.LinearizationInfo) int {
	parts := info.PartialLinearizations()
	if len(parts) != 1 { // no partitions are used, so there is exactly one
		return -1
	}
	lins := parts[0]
	if len(lins) == 0 {
		lins = [][]int{{}} // not even the first operation could be linearized
	}
	longest := 0
	for _, lin := range lins {
		longest = max(longest, len(lin))
	}
	best := -1
	in := make([]bool, len(h))
	for _, lin := range lins {
		if len(lin) != longest {
			continue
		}
		clear(in)
		for _, i := range lin {
			in[i] = true
		}
		for i, op := range h {
			if !in[i] && (best < 0 || op.Call < h[best].Call || op.Call == h[best].Call && i < best) {
				best = i
			}
		}
	}
	return best
}

// Visualize writes porcupine's HTML visualization of a checked history to
// path, with the model that checked it.
func Visualize(r Result, path string) error {
	return porcupine.VisualizePath(r.lock.Model(), r.Info, path)
}

// Clients returns the number of clients of h: one more than the largest
// client number.
func Clients(h []Op) int {
	n := 0
	for _, op := range h {
		n = max(n, op.Client+1)
	}
	return n
}

// event is a call or a return of the operation h[op], for ordering.
type event struct {
	time int64
	op   int
	ret  bool
}

// events lists the calls and returns of h in time order; a return comes
// before a call at the same time, and operations that never returned have no
// return event.
func events(h []Op) []event {
	ev := make([]event, 0, 2*len(h))
	for i, op := range h {
		ev = append(ev, event{op.Call, i, false})
		if op.Return != Never {
			ev = append(ev, event{op.Return, i, true})
		}
	}
	slices.SortStableFunc(ev, func(a, b event) int {
		if a.time != b.time {
			if a.time < b.time {
				return -1
			}
			return 1
		}
		if a.ret != b.ret {
			if a.ret {
				return -1
			}
			return 1
		}
		return 0
	})
	return ev
}
