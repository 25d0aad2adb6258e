package atomic_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
)

// Each atomic operation is a step of the trace, with the value it read or
// wrote.
func ExampleCompareAndSwapInt32() {
	var state int32
	res := sched.Run(sched.Options{Trace: true}, func() {
		atomic.CompareAndSwapInt32(&state, 0, 1)
		atomic.CompareAndSwapInt32(&state, 0, 1)
		atomic.LoadInt32(&state)
	})
	for _, e := range res.Trace {
		fmt.Println(e.Pos, e.Op, e.Value)
	}
	// Output:
	// example_test.go:15 atomic.CompareAndSwapInt32 0 → 1 (true)
	// example_test.go:16 atomic.CompareAndSwapInt32 1, not 0 (false)
	// example_test.go:17 atomic.LoadInt32 1
}
