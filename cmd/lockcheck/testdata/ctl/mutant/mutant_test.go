package mutant

import (
	"testing"

	"github.com/lockcheck/lockcheck/sim"
)

// TestMutantExhaustive: the exhaustive exploration catches the mutant.
func TestMutantExhaustive(t *testing.T) {
	sim.Exhaustive(t, func() sim.Lock { return new(Lock) }, 2, 3)
}
