// Package oldlock is a dependency whose module is of before generics:
// instrumented, its files get a go1.21 build constraint (sched's API is
// generic) and a range over a channel is a loop on Recv2; its behaviour,
// loop variables included, is unchanged.
package oldlock

import "sync"

// Sum adds what ch yields until it is closed.
func Sum(ch chan int) int {
	sum := 0
	for v := range ch {
		sum += v
	}
	return sum
}

// Closures returns n closures of one loop: before go1.22 they share the
// loop's variable.
func Closures(n int) []int {
	var fs []func() int
	for i := 0; i < n; i++ {
		fs = append(fs, func() int { return i })
	}
	var out []int
	for _, f := range fs {
		out = append(out, f())
	}
	return out
}

// Count increments a counter from n goroutines under a mutex.
func Count(n int) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	c := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			c++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return c
}
