package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/lockcheck/lockcheck/model"
	"pgregory.net/rapid"
)

// Cancel says when the harness cancels the context of an acquire_context
// step.
type Cancel int8

// The cancellation modes of an acquire_context step.
const (
	CancelNever  Cancel = iota // only the end of the run cancels it
	CancelBefore               // cancelled before the call
	CancelAfter                // cancelled After the call starts
)

// Step is one operation in a client's script.
type Step struct {
	Kind    model.Kind
	Timeout time.Duration // acquire_timeout's argument
	Cancel  Cancel        // acquire_context's cancellation
	After   time.Duration // with CancelAfter: delay before the cancellation
}

func (s Step) String() string {
	switch s.Kind {
	case model.AcquireTimeout:
		return fmt.Sprintf("acquire_timeout(%v)", s.Timeout)
	case model.AcquireContext:
		switch s.Cancel {
		case CancelBefore:
			return "acquire_context(cancelled before the call)"
		case CancelAfter:
			return fmt.Sprintf("acquire_context(cancelled after %v)", s.After)
		}
		return "acquire_context(never cancelled)"
	}
	return s.Kind.String()
}

// Scenario is what the clients of one run do: Clients[i] is client i's
// script, run in order.
type Scenario struct {
	Clients [][]Step
}

// String lists the scripts, one client a line.
func (sc Scenario) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s", plural(len(sc.Clients), "client"), plural(sc.ops(), "operation"))
	for i, steps := range sc.Clients {
		fmt.Fprintf(&b, "\n  client %d:", i)
		for j, s := range steps {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(" " + s.String())
		}
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (sc Scenario) ops() int {
	n := 0
	for _, c := range sc.Clients {
		n += len(c)
	}
	return n
}

// weights of the operations in generated scripts: releases are as frequent
// as acquires so that scenarios rarely end with every client blocked.
var weights = map[model.Kind]int{
	model.Acquire:        24,
	model.Release:        30,
	model.TryAcquire:     12,
	model.AcquireTimeout: 14,
	model.AcquireContext: 12,
	model.Locked:         8,
}

// scenarioGen draws scenarios that use only the operations in kinds, with
// between minClients and maxClients clients of 1 to maxSteps steps, and
// long timeouts and cancellation delays of long (see drawDelay).
// Shrinking goes towards fewer clients, shorter scripts, blocking acquires
// and zero timeouts.
func scenarioGen(kinds []model.Kind, minClients, maxClients, maxSteps int, long time.Duration) *rapid.Generator[Scenario] {
	total := 0
	for _, k := range kinds {
		total += weights[k]
	}
	step := rapid.Custom(func(t *rapid.T) Step {
		w := rapid.IntRange(0, total-1).Draw(t, "op")
		var s Step
		for _, k := range kinds {
			if w < weights[k] {
				s.Kind = k
				break
			}
			w -= weights[k]
		}
		switch s.Kind {
		case model.AcquireTimeout:
			s.Timeout = drawDelay(t, "timeout", long)
		case model.AcquireContext:
			s.Cancel = Cancel(rapid.IntRange(0, 2).Draw(t, "cancel"))
			if s.Cancel == CancelAfter {
				s.After = drawDelay(t, "after", long)
			}
		}
		return s
	})
	script := rapid.SliceOfN(step, 1, maxSteps)
	return rapid.Custom(func(t *rapid.T) Scenario {
		return Scenario{Clients: rapid.SliceOfN(script, minClients, maxClients).Draw(t, "clients")}
	})
}

// drawDelay draws zero, microseconds, milliseconds or long with equal
// chances. Long is long enough for the watchdog to judge a waiter that
// stays blocked on a free lock with time left (see promise.go); a correct
// lock returns such a waiter as soon as the lock is released, and the
// watchdog releases it whenever every running client waits, so long
// delays cost no more than blocking acquires.
func drawDelay(t *rapid.T, label string, long time.Duration) time.Duration {
	switch rapid.IntRange(0, 3).Draw(t, label+" scale") {
	case 0:
		return 0
	case 1:
		return time.Duration(rapid.IntRange(1, 500).Draw(t, label)) * time.Microsecond
	case 2:
		return time.Duration(rapid.IntRange(1, 5).Draw(t, label)) * time.Millisecond
	}
	return long
}

// GoString is String, so that rapid's log of a drawn scenario is readable.
func (sc Scenario) GoString() string { return sc.String() }
