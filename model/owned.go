package model

import (
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"
)

// Semantics says who may release a lock and what its holder's further
// acquisitions do.
type Semantics uint8

// The semantics of a lock.
const (
	// Unowned: any client may release the lock (Python's Lock, Java's
	// Semaphore(1), lock.Lock); its model is Model.
	Unowned Semantics = iota
	// Owned: only the client that holds the lock may release it; a
	// release by any other client reports an error and changes nothing.
	// The holder may not acquire it again (a blocking acquire by the
	// holder waits forever). Its model is OwnedModel.
	Owned
	// Reentrant: owned, and the holder's further acquisitions succeed at
	// once and count; the lock is free after as many releases (Python's
	// RLock, Java's ReentrantLock). Its model is ReentrantModel.
	Reentrant
)

var semanticsNames = [...]string{Unowned: "unowned", Owned: "owned", Reentrant: "reentrant"}

// String returns the name used in history files: "unowned", "owned" or
// "reentrant".
func (s Semantics) String() string {
	if int(s) < len(semanticsNames) {
		return semanticsNames[s]
	}
	return fmt.Sprintf("Semantics(%d)", uint8(s))
}

// ParseSemantics returns the Semantics named s, and false if s names none.
func ParseSemantics(s string) (Semantics, bool) {
	for i, name := range semanticsNames {
		if name == s {
			return Semantics(i), true
		}
	}
	return 0, false
}

// Model returns the porcupine model of locks with these semantics: Model,
// OwnedModel or ReentrantModel. Inputs are [Input] for Unowned and
// [OwnedInput] otherwise.
func (s Semantics) Model() porcupine.Model {
	switch s {
	case Owned:
		return OwnedModel
	case Reentrant:
		return ReentrantModel
	}
	return Model
}

// OwnedInput is the porcupine input of an operation on an owned lock: what
// was asked, and by which client. Every client is its own owner, so the
// client is the owner the operation acts for.
type OwnedInput struct {
	Input
	Client int
}

// Hold is one state of an owned lock: unlocked when Count is 0 (Owner is
// then 0 too), else held Count times by client Owner.
type Hold struct {
	Owner int
	Count int
}

// Unlocked is the state of a free owned lock.
var Unlocked = Hold{}

// String describes the state: "unlocked", "held by client 2", or "held by
// client 2 (3 times)".
func (h Hold) String() string {
	switch {
	case h.Count <= 0:
		return "unlocked"
	case h.Count == 1:
		return fmt.Sprintf("held by client %d", h.Owner)
	}
	return fmt.Sprintf("held by client %d (%d times)", h.Owner, h.Count)
}

// Holds is the set of states an owned lock may be in, sorted (by Count,
// then Owner) and without duplicates. The empty set is never reached by a
// legal history.
type Holds []Hold

// String describes the set, for example "unlocked or held by client 1".
func (s Holds) String() string {
	if len(s) == 0 {
		return "impossible"
	}
	out := ""
	for i, h := range s {
		if i > 0 {
			out += " or "
		}
		out += h.String()
	}
	return out
}

// The owned model, like Model, is a power-set construction of a
// nondeterministic model: an operation whose outcome is unknown may or may
// not have taken effect. From one state h, an operation of client c:
//
//   - an acquire may take the lock if it is free, or if c holds it and the
//     lock is reentrant (then the count grows); a successful acquire is
//     legal only then. A failed try_acquire or acquire_timeout must have
//     found the lock held by another client, or held by c itself when the
//     lock is not reentrant (c's own acquisitions then cannot succeed). A
//     failed acquire_context leaves h as it is, as in Model.
//   - a release succeeds exactly when c holds the lock: the count drops,
//     and at zero the lock is free. A release by any other client reports
//     an error and changes nothing.
//   - locked() answers whether anyone holds the lock.

// stepHold returns the states the lock may be in after the operation, when
// it was in h just before; none means the step is illegal.
func stepHold(h Hold, in OwnedInput, out Output, reentrant bool) []Hold {
	free := h.Count == 0
	mine := !free && h.Owner == in.Client
	canAcquire := free || mine && reentrant
	acquired := Hold{Owner: in.Client, Count: h.Count + 1}
	released := Hold{Owner: h.Owner, Count: h.Count - 1}
	if released.Count == 0 {
		released = Unlocked
	}
	if out.Pending {
		switch {
		case in.Kind.IsAcquire() && canAcquire:
			return []Hold{h, acquired}
		case in.Kind == Release && mine:
			return []Hold{h, released}
		}
		return []Hold{h}
	}
	when := func(ok bool, next Hold) []Hold {
		if ok {
			return []Hold{next}
		}
		return nil
	}
	switch in.Kind {
	case Acquire, TryAcquire, AcquireTimeout:
		if out.OK {
			return when(canAcquire, acquired)
		}
		return when(in.Kind != Acquire && !canAcquire, h)
	case AcquireContext:
		if out.OK {
			return when(canAcquire, acquired)
		}
		return []Hold{h}
	case Release:
		if out.OK {
			return when(mine, released)
		}
		return when(!mine, h)
	case Locked:
		return when(out.OK == !free, h)
	}
	return nil
}

// StepOwned applies one operation to the set of states s of an owned lock
// (reentrant or not). It returns the set of possible next states, sorted
// and without duplicates, which is empty when the operation is illegal in
// every state of s. It does not modify s.
func StepOwned(s Holds, in OwnedInput, out Output, reentrant bool) Holds {
	var next Holds
	for _, h := range s {
		next = append(next, stepHold(h, in, out, reentrant)...)
	}
	slices.SortFunc(next, func(a, b Hold) int {
		if a.Count != b.Count {
			return a.Count - b.Count
		}
		return a.Owner - b.Owner
	})
	return slices.Compact(next)
}

func ownedModel(reentrant bool) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return Holds{Unlocked} },
		Step: func(state, input, output any) (bool, any) {
			next := StepOwned(state.(Holds), input.(OwnedInput), output.(Output), reentrant)
			return len(next) > 0, next
		},
		Equal: func(a, b any) bool { return slices.Equal(a.(Holds), b.(Holds)) },
		Hash: func(state any) uint64 {
			x := uint64(14695981039346656037)
			for _, h := range state.(Holds) {
				x = (x ^ uint64(h.Owner)) * 1099511628211
				x = (x ^ uint64(h.Count)) * 1099511628211
			}
			return x
		},
		DescribeOperation: func(input, output any) string {
			return Describe(input.(OwnedInput).Input, output.(Output))
		},
		DescribeState: func(state any) string { return state.(Holds).String() },
		DescribeOperationMetadata: func(info any) string {
			if info == nil {
				return ""
			}
			return fmt.Sprint(info)
		},
	}
}

// OwnedModel is the porcupine model of an owned, non-reentrant lock. Inputs
// are [OwnedInput], outputs are [Output], and states are [Holds] starting
// at {Unlocked}.
var OwnedModel = ownedModel(false)

// ReentrantModel is the porcupine model of an owned, reentrant lock. Inputs
// are [OwnedInput], outputs are [Output], and states are [Holds] starting
// at {Unlocked}.
var ReentrantModel = ownedModel(true)
