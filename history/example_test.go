package history_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

var (
	acquire = model.Input{Kind: model.Acquire}
	release = model.Input{Kind: model.Release}
	done    = model.Output{OK: true}
	pending = model.Output{Pending: true}
)

// Client 1's acquire returned before client 0's release was called, so it
// took a lock that was held: no order of the three operations that
// respects real time is legal. Once client 1's acquire waits until after
// the release has been called, the history is linearizable.
func ExampleCheck() {
	h := []history.Op{
		{Client: 0, Input: acquire, Output: done, Call: 1, Return: 2},
		{Client: 1, Input: acquire, Output: done, Call: 3, Return: 4},
		{Client: 0, Input: release, Output: done, Call: 5, Return: 6},
	}
	r := history.Check(h, 0)
	fmt.Println(r.Verdict, "- culprit:", r.Culprit)

	h[1].Return = 7 // now it overlaps the release
	fmt.Println(history.Check(h, 0).Verdict)
	// Output:
	// not linearizable - culprit: 1
	// linearizable
}

// A timeline has one column per client and one row per event. Client 1's
// acquire never returned; the harness's release found the lock unlocked.
// The history is linearizable (the acquire may simply not have taken
// effect), yet client 1 waits on a free lock.
func ExampleTimeline() {
	h := []history.Op{
		{Client: 0, Input: acquire, Output: done, Call: 1, Return: 2},
		{Client: 1, Input: acquire, Output: pending, Call: 3, Return: history.Never},
		{Client: 0, Input: release, Output: done, Call: 4, Return: 5},
		{Client: 2, Input: release, Output: model.Output{OK: false}, Call: 6, Return: 7, Note: "harness"},
	}
	fmt.Print(history.Timeline(h, map[int]string{1: "◀ stuck"}))
	fmt.Println(history.Check(h, 0).Verdict)
	// Output:
	//      client 0        client 1              harness
	//   1  acquire()
	//   2                  ┌ acquire()  ◀ stuck
	//   3  release() → ok  │
	//   4                  │                     release() → error
	//   5                  └ never returned
	// linearizable
}

// A history file has one event a line. Process 1's timed acquire fails
// while process 0 holds the lock; process 2's acquire has an unknown outcome
// ("info"), so it may or may not have taken effect, and locked() → false
// after the release is legal.
func ExampleRead() {
	const file = `
{"process": 0, "type": "invoke", "f": "acquire"}
{"process": 0, "type": "ok", "f": "acquire"}
{"process": 1, "type": "invoke", "f": "acquire_timeout", "timeout": 0.005}
{"process": 2, "type": "invoke", "f": "acquire"}
{"process": 1, "type": "ok", "f": "acquire_timeout", "value": false}
{"process": 0, "type": "invoke", "f": "release"}
{"process": 0, "type": "ok", "f": "release", "value": true}
{"process": 2, "type": "info", "f": "acquire"}
{"process": 0, "type": "invoke", "f": "locked"}
{"process": 0, "type": "ok", "f": "locked", "value": false}
`
	h, err := history.Read(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(history.Timeline(h, nil))
	fmt.Println(history.Check(h, 0).Verdict)

	_, err = history.Read(strings.NewReader(`{"process": 0, "type": "ok", "f": "release", "value": true}`))
	fmt.Println(err)
	// Output:
	//      client 0          client 1                        client 2
	//   1  acquire()
	//   2                    ┌ acquire_timeout(5ms)
	//   3                    │                               ┌ acquire()
	//   4                    └ acquire_timeout(5ms) → false  │
	//   5  release() → ok                                    │
	//   6                                                    └ acquire() → ?
	//   7  locked() → false
	// linearizable
	// 1: process 0 completes release but invoked nothing
}

// Write writes a history in the history file format: times become the
// order of the lines, and an operation that never returned is an invoke
// without a completion.
func ExampleWrite() {
	h := []history.Op{
		{Client: 0, Input: model.Input{Kind: model.TryAcquire}, Output: done, Call: 1, Return: 2},
		{Client: 1, Input: acquire, Output: pending, Call: 3, Return: history.Never},
		{Client: 2, Input: release, Output: done, Call: 4, Return: 5, Note: "harness"},
	}
	if err := history.Write(os.Stdout, h); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"process":0,"type":"invoke","f":"try_acquire"}
	// {"process":0,"type":"ok","f":"try_acquire","value":true}
	// {"process":1,"type":"invoke","f":"acquire"}
	// {"process":2,"type":"invoke","f":"release","note":"harness"}
	// {"process":2,"type":"ok","f":"release","value":true,"note":"harness"}
}

// A history file of an owned lock says so on its header line; ReadMeta
// returns it and CheckOf checks with the matching model. Client 1 released
// client 0's lock: legal for an unowned lock, a bug of an owned one.
func ExampleReadMeta() {
	file := `{"lock": "owned"}
{"process": 0, "type": "invoke", "f": "acquire"}
{"process": 0, "type": "ok", "f": "acquire"}
{"process": 1, "type": "invoke", "f": "release"}
{"process": 1, "type": "ok", "f": "release", "value": true}
`
	h, meta, err := history.ReadMeta(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(meta.Lock, history.CheckOf(h, meta.Lock, 0).Verdict)
	fmt.Println(model.Unowned, history.CheckOf(h, model.Unowned, 0).Verdict)
	// Output:
	// owned not linearizable
	// unowned linearizable
}
