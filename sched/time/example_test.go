package time_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/time"
)

// In a run, time is virtual: an hour's sleep takes no wall time, and the
// clock starts at the same instant every run.
func ExampleSleep() {
	sched.Run(sched.Options{}, func() {
		start := time.Now()
		time.Sleep(time.Hour)
		fmt.Println(start.Format(time.DateTime), time.Since(start))
	})
	// Output: 2000-01-01 00:00:00 1h0m0s
}

// A select with a timeout: the timer fires when nothing else can run.
func ExampleAfter() {
	sched.Run(sched.Options{}, func() {
		never := make(chan int)
		switch sched.Select(false, sched.OnRecv(never), sched.OnRecv(time.After(50*time.Millisecond))) {
		case 1:
			fmt.Println("timed out at", time.Now().Format(time.TimeOnly+".000"))
		}
	})
	// Output: timed out at 00:00:00.050
}
