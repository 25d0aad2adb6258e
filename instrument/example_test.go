package instrument_test

import (
	"context"
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

// Prepare rewrites the packages of a go test command line into an overlay
// that go test -overlay builds (lockcheck test does this); each
// instrumented package says what the scheduler cannot control in it.
func ExamplePrepare() {
	cfg := instrument.Config{Dir: "../cmd/lockcheck", Patterns: []string{"./testdata/ctl/sys"}}
	ov, err := instrument.Prepare(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ov.Close()
	// go test with ov.Flags() would now run the tests instrumented.
	for _, p := range ov.Packages {
		fmt.Println(p.ImportPath, len(p.Files), "files", p.Problems)
	}
	// Output:
	// github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/sys 1 files [sys.go:19: calls syscall.Getpid (a system call the scheduler cannot see)]
	// github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/sys_test 1 files []
}
