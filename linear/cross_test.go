package linear

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// crossChecks is the number of random histories TestAgainstPorcupine
// compares; LOCKCHECK_SOAK=1 multiplies it by 20.
const crossChecks = 100_000

// TestAgainstPorcupine checks that Check's verdict is porcupine's on random
// small histories, linearizable and not, with every operation kind,
// pending and "info" operations, ties and inverted times; and that every
// window it reports is not linearizable for porcupine either.
func TestAgainstPorcupine(t *testing.T) {
	n := crossChecks
	if os.Getenv("LOCKCHECK_SOAK") != "" {
		n *= 20
	}
	seed := uint64(1)
	if s, err := strconv.ParseUint(os.Getenv("LOCKCHECK_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, 14))
	maxOps, maxClients := 8, 4
	if m, err := strconv.Atoi(os.Getenv("LOCKCHECK_CROSS_OPS")); err == nil { // e.g. 16 for a soak
		maxOps, maxClients = m, max(4, m/2)
	}
	counts := map[history.Verdict]int{}
	for i := range n {
		h := randomHistory(rng, 1+rng.IntN(maxOps), 1+rng.IntN(maxClients))
		init := model.StateUnlocked
		if i%10 == 0 {
			init = model.State(1 + rng.IntN(3))
		}
		want := Porcupine(init, h, 0)
		got := CheckFrom(init, h, Options{NoWindow: i%32 != 0})
		counts[got.Verdict]++
		if got.Verdict != want {
			t.Fatalf("history %d from %v: Check says %s, porcupine %s\n%s%#v", i, init, got.Verdict, want, history.Timeline(h, nil), h)
		}
		if w := got.Window; w != nil && !w.Confirmed {
			t.Fatalf("history %d: window not confirmed by porcupine\n%s\nwindow from %v:\n%s", i, history.Timeline(h, nil), w.Init, history.Timeline(w.Ops, nil))
		}
	}
	t.Logf("%d histories: %v", n, counts)
	if counts[history.Linearizable] < n/5 || counts[history.NotLinearizable] < n/5 {
		t.Errorf("unbalanced: %v", counts)
	}
}
