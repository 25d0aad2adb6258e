package nobuild

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestStress(t *testing.T) {
	if sched.Enabled() {
		t.Fatal("instrumented, but this package does not build instrumented")
	}
	ch := make(chan int, 1)
	if Poll(ch) {
		t.Fatal("Poll found a value in an empty channel")
	}
	ch <- 1
	if !Poll(ch) {
		t.Fatal("Poll missed the value")
	}
}
