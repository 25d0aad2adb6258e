package sync_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/sync"
)

// A Mutex in a run: the second goroutine's Lock waits (in the scheduler)
// until the first unlocks; a goroutine that never unlocks is a deadlock,
// reported with the waiter.
func ExampleMutex() {
	var mu sync.Mutex
	res := sched.Run(sched.Options{},
		func() { mu.Lock() }, // never unlocks
		func() { mu.Lock() })
	fmt.Println(res.Deadlock, res.Blocked[0].G, res.Blocked[0].Op)
	// Output: true 1 sync.Mutex.Lock
}
