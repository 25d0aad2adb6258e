package linear

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// TestWindowsOfLinearizableHistories checks the relaxations windows rest
// on: every window of a linearizable history — any invocation to any later
// event, from the States the sweep had there — is linearizable for
// porcupine. (So a window that is not linearizable proves the history is
// not.)
func TestWindowsOfLinearizableHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 14))
	n := 5000
	if os.Getenv("LOCKCHECK_SOAK") != "" {
		n *= 20
		rng = rand.New(rand.NewPCG(rand.Uint64(), 14))
	}
	windows := 0
	for i := 0; windows < n; i++ {
		h := randomHistory(rng, 2+rng.IntN(8), 1+rng.IntN(4))
		if CheckFrom(model.StateUnlocked, h, Options{NoWindow: true}).Verdict != history.Linearizable {
			continue
		}
		n := 2 * len(h) // an upper bound on the events
		stop := 1 + rng.IntN(n)
		_, w := checkFrom(model.StateUnlocked, h, Options{}, stop)
		if stop >= 2*len(h) || len(w.log) == 0 { // ran to the end
			continue
		}
		if len(w.log) == 0 {
			continue
		}
		f := len(w.log) - 1
		var starts []int
		for k := 0; k <= f; k++ {
			if w.log[k].typ == evCall {
				starts = append(starts, k)
			}
		}
		s := starts[rng.IntN(len(starts))]
		win := w.build(s, f)
		windows++
		if v := Porcupine(win.Init, win.Ops, 0); v != history.Linearizable {
			t.Fatalf("history linearizable, its window from event %d to %d is %s\nhistory:\n%s\nwindow from %v:\n%s%#v",
				s, f, v, history.Timeline(h, nil), win.Init, history.Timeline(win.Ops, nil), h)
		}
	}
}
