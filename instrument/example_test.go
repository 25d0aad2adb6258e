package instrument_test

import (
	"fmt"

	"github.com/lockcheck/lockcheck/instrument"
)

// A file is rewritten so that its channel operations and go statements call
// the scheduler; the line directive keeps positions at the original lines.
func ExampleSource() {
	src := []byte(`package p

func worker(jobs <-chan int, done chan<- bool) {
	for j := range jobs {
		_ = j
	}
	done <- true
}

func start(jobs chan int, done chan bool) {
	go worker(jobs, done)
}
`)
	res, err := instrument.Source("p.go", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(res.Source))
	// Output:
	// //line p.go:1:1
	// package p; import _lcsched "github.com/lockcheck/lockcheck/sched"
	//
	// func worker(jobs <-chan int, done chan<- bool) {
	// 	for j := range _lcsched.Range(jobs) {
	// 		_ = j
	// 	}
	// 	_lcsched.Send(done, true)
	// }
	//
	// func start(jobs chan int, done chan bool) {
	// 	{ _lc0, _lc1 := jobs, done; _lcsched.Go(func() { worker(_lc0, _lc1) }) }
	// }
}

// What the scheduler cannot control is listed with its position, in the
// form sched.Register takes.
func ExampleSource_problems() {
	src := []byte(`package p

import "syscall"

func pid() int { return syscall.Getpid() }
`)
	res, err := instrument.Source("p.go", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Problems {
		fmt.Println(p)
	}
	// Output:
	// p.go:5: calls syscall.Getpid (a system call the scheduler cannot see)
}
