package linear_test

import (
	"fmt"
	"strings"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear"
	"github.com/lockcheck/lockcheck/model"
)

// Client 1's try_acquire succeeded while client 0 held the lock: the
// history is not linearizable, and the failing operation found the lock
// locked.
func ExampleCheck() {
	acquire, try, release := model.Input{Kind: model.Acquire}, model.Input{Kind: model.TryAcquire}, model.Input{Kind: model.Release}
	ok := model.Output{OK: true}
	h := []history.Op{
		{Client: 0, Input: acquire, Output: ok, Call: 1, Return: 2},
		{Client: 1, Input: try, Output: ok, Call: 3, Return: 4},
		{Client: 0, Input: release, Output: ok, Call: 5, Return: 6},
	}
	r := linear.Check(h, linear.Options{})
	fmt.Println(r.Verdict)
	fmt.Println("failing:", r.Failing.Index, "found the lock", r.Failing.States)
	fmt.Println("window:", len(r.Window.Ops), "operation, confirmed by porcupine:", r.Window.Confirmed)

	h[1].Return = 7 // now it overlaps the release
	fmt.Println(linear.Check(h, linear.Options{}).Verdict)
	// Output:
	// not linearizable
	// failing: 1 found the lock locked
	// window: 1 operation, confirmed by porcupine: true
	// linearizable
}

// CheckReader decides a history file in one pass.
func ExampleCheckReader() {
	file := `{"process": 0, "type": "invoke", "f": "acquire"}
{"process": 1, "type": "invoke", "f": "locked"}
{"process": 0, "type": "ok", "f": "acquire"}
{"process": 1, "type": "ok", "f": "locked", "value": false}
{"process": 0, "type": "invoke", "f": "release"}
{"process": 0, "type": "info", "f": "release"}
{"process": 1, "type": "invoke", "f": "locked"}
{"process": 1, "type": "ok", "f": "locked", "value": false}
`
	r, err := linear.CheckReader(strings.NewReader(file), linear.Options{})
	fmt.Println(r.Verdict, r.Operations, err)
	// Output:
	// linearizable 4 <nil>
}

// A Checker takes events one at a time; here a release whose outcome is
// unknown explains a later locked() → false.
func ExampleChecker() {
	c := linear.New(model.StateLocked)
	c.Call(1, model.Input{Kind: model.Release})
	c.Return(1, model.Output{Pending: true}) // "info": may have released
	c.Call(2, model.Input{Kind: model.Locked})
	c.Return(2, model.Output{OK: false})
	fmt.Println(c.End() == nil)
	// Output:
	// true
}
