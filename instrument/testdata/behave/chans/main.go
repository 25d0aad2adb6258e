// Command chans exercises every rewrite of the instrumenter; its output is
// the same built as it is and built instrumented (outside a controlled run).
package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockcheck/lockcheck/instrument/testdata/behave/chans/helper"
)

// line is the line it is called from: the instrumented build must report
// the original lines.
func line() int {
	_, _, l, _ := runtime.Caller(1)
	return l
}

type counter struct{ n int }

func (c *counter) add(by int, done chan<- int) { c.n += by; done <- c.n }

func sum(done chan<- int, xs ...int) {
	s := 0
	for _, x := range xs {
		s += x
	}
	done <- s
}

func pair() (chan<- int, int) { return results, 7 }

var results = make(chan int, 10)

type flag bool

func sendFlag(f flag, ch chan<- flag) { ch <- f }

func main() {
	ch := make(chan int, 3)
	ch <- 1
	ch <- 2
	fmt.Println("recv", <-ch, "line", line())
	v, ok := <-ch
	fmt.Println("comma-ok", v, ok)
	close(ch)
	v, ok = <-ch
	fmt.Println("closed", v, ok, "line", line())

	in := make(chan string, 3)
	in <- "a"
	in <- "b"
	close(in)
	for s := range in {
		fmt.Println("range", s)
	}

	var nothing chan int
	select {
	case x := <-nothing:
		fmt.Println("impossible", x)
	default:
		fmt.Println("default", line())
	}

	ready := make(chan int, 1)
	ready <- 5
	select {
	case x, ok := <-ready:
		fmt.Println("select recv", x, ok)
	case nothing <- 1:
		fmt.Println("impossible")
	}
	fmt.Println("after select", line())

	out := make(chan error, 1)
	select {
	case out <- errors.New("boom"):
		fmt.Println("select send", (<-out).Error())
	}

	n := 0
loop:
	for {
		select {
		case <-time.After(time.Millisecond):
			n++
			if n == 2 {
				break loop
			}
		}
	}
	fmt.Println("labelled break", n, line())

	tries := 0
	goto poll
poll:
	select {
	case x := <-nothing:
		fmt.Println("impossible", x)
	default:
		tries++
		if tries < 3 {
			goto poll
		}
	}
	fmt.Println("goto a labelled select", tries, line())

	// Rewrites that move text across lines: positions stay the original's.
	ready <- 6
	select {
	case x := <-func() chan int {
		fmt.Println("operand", line())
		return ready
	}():
		fmt.Println("multi-line operand", x, line())
	}
	go func(a, b int) {
		results <- a + b + line()
	}(1,
		<-func() chan int { ready <- 2; return ready }())
	fmt.Println("multi-line go", <-results, line())

	// go statements evaluate the function value and arguments at once.
	c := &counter{n: 10}
	x := 1
	done := make(chan int)
	go c.add(x, done)
	x = 100
	fmt.Println("method value", <-done)
	f := func(i int) { results <- i }
	go f(x)
	f = nil
	fmt.Println("func value", <-results)
	go sum(results, 1, 2, 3)
	fmt.Println("variadic", <-results)
	go sum(results, []int{4, 5}...)
	fmt.Println("ellipsis", <-results)
	results <- 9
	go func(a, b int) {
		results <- a + b
	}(x, <-results)
	fmt.Println("literal", <-results, line())
	flags := make(chan flag)
	go sendFlag(x == 100, flags)
	fmt.Println("untyped argument", <-flags)
	go func(ch chan<- int, v int) { ch <- v }(pair())
	fmt.Println("multi-value", <-results)
	go close(done)
	_, ok = <-done
	fmt.Println("go close", ok)

	// sync, atomic, time, context through their replacements.
	var mu sync.Mutex
	var wg sync.WaitGroup
	var hits atomic.Int32
	var total int64
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			total++
			mu.Unlock()
			hits.Add(1)
			atomic.AddInt64(&total, 1)
			runtime.Gosched()
		}()
	}
	wg.Wait()
	fmt.Println("sync", total, hits.Load())
	var once sync.Once
	for i := 0; i < 3; i++ {
		once.Do(func() { fmt.Println("once") })
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	<-ctx.Done()
	fmt.Println("context", ctx.Err(), time.Duration(1500)*time.Millisecond)
	tctx, tcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer tcancel()
	select {
	case <-tctx.Done():
		fmt.Println("timeout", tctx.Err())
	}
	readers := helper.Readers()
	readers <- helper.Reader("element type named through an added import")
	fmt.Println(readers != nil, len(readers))
	fmt.Println("end", line())
}
