package zoo_test

import (
	"fmt"
	"os"
	"time"

	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// The harness catches a counting semaphore posing as a lock: releasing it
// when it is not held succeeds, which no lock may do.
func Example() {
	e, _ := zoo.Lookup("counting-semaphore")
	fmt.Println("bug:", e.Bug)

	dir, err := os.MkdirTemp("", "zoo-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// The search stops at the first failure: a generous budget costs
	// nothing when the bug is found, and a loaded machine needs it.
	rep, err := sim.RunLock(e.New, sim.WithDuration(30*time.Second), sim.WithShrinkTime(200*time.Millisecond), sim.WithHTMLDir(dir))
	if err != nil {
		panic(err)
	}
	if rep.Failure == nil {
		fmt.Println("not caught")
		return
	}
	fmt.Println("caught:", rep.Failure.Kind)
	fmt.Println("as expected:", rep.Failure.Kind == e.Expect)
	// Output:
	// bug: a counting semaphore posing as a lock: release of an unlocked lock succeeds and adds a permit
	// caught: linearizability violation
	// as expected: true
}
