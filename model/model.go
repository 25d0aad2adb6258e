package model

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
)

// Kind names an operation of a lock.
type Kind uint8

// The operations of a lock. Their String forms are the names used in history
// files and by the driver protocol.
const (
	Acquire        Kind = iota + 1 // blocking acquire; Python acquire()
	TryAcquire                     // non-blocking acquire; Python acquire(blocking=False)
	AcquireTimeout                 // acquire waiting at most a timeout; Python acquire(timeout=t)
	AcquireContext                 // acquire until a context is done
	Release                        // Python release()
	Locked                         // Python locked()
)

var kindNames = [...]string{
	Acquire:        "acquire",
	TryAcquire:     "try_acquire",
	AcquireTimeout: "acquire_timeout",
	AcquireContext: "acquire_context",
	Release:        "release",
	Locked:         "locked",
}

// Kinds lists every operation kind in a stable order.
var Kinds = []Kind{Acquire, TryAcquire, AcquireTimeout, AcquireContext, Release, Locked}

// String returns the operation's name as used in history files, for example
// "try_acquire".
func (k Kind) String() string {
	if k >= Acquire && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind returns the Kind named s, and false if s names none.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if kindNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// IsAcquire reports whether k is one of the acquire operations.
func (k Kind) IsAcquire() bool {
	return k == Acquire || k == TryAcquire || k == AcquireTimeout || k == AcquireContext
}

// Input is what a client asked for: the porcupine input of an operation.
type Input struct {
	Kind Kind
	// Timeout is the argument of AcquireTimeout; ignored for other kinds.
	Timeout time.Duration
}

// Output is how an operation ended: the porcupine output of an operation.
type Output struct {
	// Pending marks an operation whose outcome is unknown: it never
	// returned, or it was recorded as "info". It may have taken effect at
	// any moment after its call, or never.
	Pending bool
	// OK is the result when Pending is false. Acquire: true (a blocking
	// acquire that returns has acquired). TryAcquire, AcquireTimeout,
	// AcquireContext: whether the lock was acquired. Release: true when the
	// lock was released, false when it reported that the lock was not
	// locked. Locked: the answer.
	OK bool
}

// State is the set of states the lock may be in. The zero State is empty
// and never reached by a legal history.
type State uint8

// The members of a State.
const (
	MaybeUnlocked State = 1 << iota
	MaybeLocked
)

// The single states, and the state of a lock whose state is unknown.
const (
	StateUnlocked = MaybeUnlocked
	StateLocked   = MaybeLocked
	StateEither   = MaybeUnlocked | MaybeLocked
)

// String describes the state for timelines and visualizations.
func (s State) String() string {
	switch s {
	case StateUnlocked:
		return "unlocked"
	case StateLocked:
		return "locked"
	case StateEither:
		return "locked or unlocked"
	}
	return "impossible"
}

// stepOne returns the states the lock may be in after the operation, when it
// was locked (or not) just before it. An empty result means the step is
// illegal.
func stepOne(locked bool, in Input, out Output) State {
	from := StateUnlocked
	if locked {
		from = StateLocked
	}
	if out.Pending {
		switch {
		case in.Kind.IsAcquire() && !locked:
			return StateEither // took effect, or did not (yet)
		case in.Kind == Release && locked:
			return StateEither
		}
		return from
	}
	switch in.Kind {
	case Acquire, TryAcquire, AcquireTimeout:
		if out.OK {
			return onlyIf(!locked, StateLocked)
		}
		// A failed try or timed acquire must have found the lock held.
		// A blocking acquire never fails.
		return onlyIf(locked && in.Kind != Acquire, StateLocked)
	case AcquireContext:
		if out.OK {
			return onlyIf(!locked, StateLocked)
		}
		// The context ended before the lock was acquired; the
		// cancellation, not the lock's state, decided the outcome.
		return from
	case Release:
		if out.OK {
			return onlyIf(locked, StateUnlocked)
		}
		return onlyIf(!locked, StateUnlocked)
	case Locked:
		return onlyIf(out.OK == locked, from)
	}
	return 0
}

func onlyIf(ok bool, s State) State {
	if ok {
		return s
	}
	return 0
}

// Step applies one operation to the set of states s. It returns the set of
// possible next states, which is empty when the operation is illegal in
// every state of s.
func Step(s State, in Input, out Output) State {
	var next State
	if s&MaybeUnlocked != 0 {
		next |= stepOne(false, in, out)
	}
	if s&MaybeLocked != 0 {
		next |= stepOne(true, in, out)
	}
	return next
}

// Describe renders an operation as it appears in timelines and
// visualizations, for example "try_acquire() → false" or
// "acquire_timeout(5ms) → ?" for an operation whose outcome is unknown.
func Describe(in Input, out Output) string {
	arg := ""
	if in.Kind == AcquireTimeout {
		arg = in.Timeout.String()
	}
	call := fmt.Sprintf("%s(%s)", in.Kind, arg)
	switch {
	case out.Pending:
		return call + " → ?"
	case in.Kind == Acquire:
		return call
	case in.Kind == Release && out.OK:
		return call + " → ok"
	case in.Kind == Release:
		return call + " → error"
	case in.Kind == AcquireContext && !out.OK:
		return call + " → ctx error"
	case in.Kind == AcquireContext:
		return call + " → nil"
	}
	return fmt.Sprintf("%s → %t", call, out.OK)
}

// Model is the porcupine model of a primitive lock. Inputs are [Input],
// outputs are [Output], and states are [State] values starting at
// StateUnlocked. It is ready to pass to porcupine.CheckOperations and
// porcupine.Visualize.
var Model = porcupine.Model{
	Init: func() any { return StateUnlocked },
	Step: func(state, input, output any) (bool, any) {
		next := Step(state.(State), input.(Input), output.(Output))
		return next != 0, next
	},
	Hash: func(state any) uint64 { return uint64(state.(State)) },
	DescribeOperation: func(input, output any) string {
		return Describe(input.(Input), output.(Output))
	},
	DescribeState: func(state any) string { return state.(State).String() },
	DescribeOperationMetadata: func(info any) string {
		if info == nil {
			return ""
		}
		return fmt.Sprint(info)
	},
}
