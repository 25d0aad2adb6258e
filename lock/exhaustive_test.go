package lock_test

import (
	"testing"

	"github.com/lockcheck/lockcheck/lock"
	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sim"
)

// TestExhaustive proves lock.Lock correct on every scenario of at most 2
// clients with at most 3 operations in all (every operation kind, with
// zero and short timeouts and contexts cancelled before, after or never),
// each under every schedule with at most 2 preemptions. It needs a build
// by `lockcheck test` (the lock instrumented); a plain `go test` skips it,
// and cmd/lockcheck's TestExhaustiveLock runs it so.
func TestExhaustive(t *testing.T) {
	if !sched.Enabled() {
		t.Skip("exhaustive exploration needs controlled mode: run it with `go run ./cmd/lockcheck test -run TestExhaustive ./lock/`")
	}
	sim.Exhaustive(t, func() sim.Lock { return new(lock.Lock) }, 2, 3, sim.WithExhaustive(2))
}
