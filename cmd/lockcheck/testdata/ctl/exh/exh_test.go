package exh

import (
	"testing"

	"github.com/lockcheck/lockcheck/sim"
)

func TestSpin(t *testing.T) {
	sim.Check(t, func() sim.Lock { return new(Spin) })
}

func TestCheckThenSet(t *testing.T) {
	sim.Check(t, func() sim.Lock { return new(CheckThenSet) })
}
