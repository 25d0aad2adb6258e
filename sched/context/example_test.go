package context_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/context"
	"github.com/lockcheck/lockcheck/sched/time"
)

// A timeout on virtual time: Done closes when nothing else can run and the
// deadline is the earliest timer.
func ExampleWithTimeout() {
	sched.Run(sched.Options{}, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		sched.Recv(ctx.Done())
		fmt.Println(ctx.Err(), time.Since(start))
	})
	// Output: context deadline exceeded 1s
}
