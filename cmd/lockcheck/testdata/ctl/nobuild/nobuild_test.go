package nobuild

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestStress(t *testing.T) {
	if sched.Enabled() {
		t.Fatal("instrumented, but this package does not build instrumented")
	}
	var f Flag
	if !f.Set() || f.Set() {
		t.Fatal("Set is wrong")
	}
}
