package nobuild

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestStress(t *testing.T) {
	if sched.Enabled() {
		t.Fatal("instrumented, but this package does not build instrumented")
	}
	if !Equal(1, 1) || Equal(1, 2) {
		t.Fatal("Equal is wrong")
	}
}
