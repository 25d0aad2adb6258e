package driver_test

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The test binary doubles as a driver: with LOCKCHECK_FAKE_DRIVER=MODE in
// its environment, TestMain runs fakeDriver(MODE) instead of the tests.
const fakeEnv = "LOCKCHECK_FAKE_DRIVER"

// fakeArgv is the command of a fake driver, and its environment.
func fakeArgv(mode string) ([]string, []string) {
	return []string{os.Args[0], "-test.run=^$"}, append(os.Environ(), fakeEnv+"="+mode, "GORACE=atexit_sleep_ms=0")
}

const fullHello = "lockcheck-driver 1 acquire try_acquire acquire_timeout release locked"

// fakeDriver plays a driver. Modes:
//
//	good           a correct lock, all five operations
//	basic          a correct lock, acquire, try_acquire and release only
//	wrong-word     answers try_acquire with "maybe"
//	long-line      answers with a 10000-byte line
//	exit-at-eof    a correct lock that exits with status 3 at EOF
//	ignore-eof     a correct lock that does not exit at EOF
//	no-hello       says nothing
//	hello-v2       hello for protocol version 2
//	hello-unknown  hello offering "frobnicate"
//	hello-missing  hello without try_acquire
//	slow-try       a correct lock whose try_acquire never answers
//	unterminated   answers without a newline, then exits
//	reset          good, and offers reset
//	reset-wrong    offers reset, and answers "reset N" with "reset N+1"
//	reset-silent   offers reset, and never answers it
//	reset-unasked  offers reset, and prints "reset 1" after its first answer
//
// A test waits for the fake, never guesses its timing: an acquire that finds
// the lock held writes "fake driver: client ID waits" to stderr before it
// blocks, and slow-try writes "fake driver: client ID's try_acquire is never
// answered" (see waitStderr).
func fakeDriver(mode string) int {
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(s string) {
		outMu.Lock()
		defer outMu.Unlock()
		out.WriteString(s + "\n")
		out.Flush()
	}
	switch mode {
	case "no-hello":
		time.Sleep(time.Minute)
		return 0
	case "hello-v2":
		say("lockcheck-driver 2 acquire try_acquire release")
	case "hello-unknown":
		say("lockcheck-driver 1 acquire try_acquire release frobnicate")
	case "hello-missing":
		say("lockcheck-driver 1 acquire release")
	case "basic":
		say("lockcheck-driver 1 acquire try_acquire release")
	case "reset", "reset-wrong", "reset-silent", "reset-unasked":
		say(fullHello + " reset")
	default:
		say(fullHello)
	}
	fmt.Fprintf(os.Stderr, "fake driver %s started\n", mode)
	var lockMu sync.Mutex
	theLock := make(chan struct{}, 1)
	current := func() chan struct{} { // the lock, replaced by a reset
		lockMu.Lock()
		defer lockMu.Unlock()
		return theLock
	}
	var unasked sync.Once
	queues := map[int]chan []string{}
	var wg sync.WaitGroup
	serve := func(id int, q chan []string) {
		defer wg.Done()
		for f := range q {
			lock := current()
			var res string
			switch f[1] {
			case "acquire":
				select {
				case lock <- struct{}{}:
				default:
					fmt.Fprintf(os.Stderr, "fake driver: client %d waits\n", id)
					lock <- struct{}{}
				}
				res = "ok"
			case "try_acquire":
				if mode == "slow-try" {
					fmt.Fprintf(os.Stderr, "fake driver: client %d's try_acquire is never answered\n", id)
					time.Sleep(time.Hour) // the process ends at EOF
				}
				select {
				case lock <- struct{}{}:
					res = "true"
				default:
					res = "false"
				}
				if mode == "wrong-word" {
					res = "maybe"
				}
			case "acquire_timeout":
				secs, _ := strconv.ParseFloat(f[2], 64)
				select { // try first: with both ready, select picks at random
				case lock <- struct{}{}:
					res = "true"
				default:
					t := time.NewTimer(time.Duration(secs * float64(time.Second)))
					select {
					case lock <- struct{}{}:
						res = "true"
					case <-t.C:
						res = "false"
					}
					t.Stop()
				}
			case "release":
				select {
				case <-lock:
					res = "ok"
				default:
					res = "error"
				}
			case "locked":
				res = strconv.FormatBool(len(lock) == 1)
			}
			switch mode {
			case "long-line":
				say(strings.Repeat("x", 10000))
			case "unterminated":
				outMu.Lock()
				out.WriteString(fmt.Sprintf("%d %s", id, res))
				out.Flush()
				os.Exit(0)
			default:
				say(fmt.Sprintf("%d %s", id, res))
			}
			if mode == "reset-unasked" {
				unasked.Do(func() { say("reset 1") })
			}
		}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 2 && f[0] == "reset" {
			n, _ := strconv.Atoi(f[1])
			lockMu.Lock()
			theLock = make(chan struct{}, 1)
			lockMu.Unlock()
			switch mode {
			case "reset-wrong":
				say(fmt.Sprintf("reset %d", n+1))
			case "reset-silent":
			default:
				say("reset " + f[1])
			}
			continue
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || len(f) < 2 {
			fmt.Fprintf(os.Stderr, "fake driver: bad request %q\n", in.Text())
			return 2
		}
		q := queues[id]
		if q == nil {
			q = make(chan []string, 16)
			queues[id] = q
			wg.Add(1)
			go serve(id, q)
		}
		q <- f
	}
	switch mode {
	case "exit-at-eof":
		fmt.Fprintln(os.Stderr, "fake driver: exiting with status 3 on purpose")
		return 3
	case "ignore-eof":
		time.Sleep(time.Minute)
	}
	return 0
}
