package model_test

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/model"
)

// Two clients both acquire the lock while neither releases it: no order of
// the two operations is a legal run of a lock.
func Example() {
	acquire := model.Input{Kind: model.Acquire}
	done := model.Output{OK: true}
	history := []porcupine.Operation{
		{ClientId: 0, Input: acquire, Output: done, Call: 0, Return: 10},
		{ClientId: 1, Input: acquire, Output: done, Call: 5, Return: 15},
	}
	fmt.Println(porcupine.CheckOperations(model.Model, history))

	// With a release by client 0 in between, it is linearizable.
	history[1].Call, history[1].Return = 25, 30
	history = append(history, porcupine.Operation{ClientId: 0,
		Input: model.Input{Kind: model.Release}, Output: done, Call: 20, Return: 22})
	fmt.Println(porcupine.CheckOperations(model.Model, history))
	// Output:
	// false
	// true
}

// Step is the state machine itself; its state is the set of states the lock
// may be in.
func ExampleStep() {
	s := model.StateUnlocked
	s = model.Step(s, model.Input{Kind: model.TryAcquire}, model.Output{OK: true})
	fmt.Println(s)
	s = model.Step(s, model.Input{Kind: model.Release}, model.Output{Pending: true})
	fmt.Println(s)
	s = model.Step(s, model.Input{Kind: model.Locked}, model.Output{OK: false})
	fmt.Println(s)
	fmt.Println(model.Step(s, model.Input{Kind: model.Release}, model.Output{OK: true}) == 0)
	// Output:
	// locked
	// locked or unlocked
	// unlocked
	// true
}

// An operation that never returned (a waiter still blocked when the run
// ended) may or may not have taken effect: a pending acquire from unlocked
// leads to "locked or unlocked", and later operations decide which.
func Example_pending() {
	s := model.Step(model.StateUnlocked, model.Input{Kind: model.Acquire}, model.Output{Pending: true})
	fmt.Println(s)
	fmt.Println(model.Step(s, model.Input{Kind: model.Locked}, model.Output{OK: true}))     // it took effect
	fmt.Println(model.Step(s, model.Input{Kind: model.TryAcquire}, model.Output{OK: true})) // it did not (yet)
	// From locked, a pending acquire changes nothing: it is still waiting.
	fmt.Println(model.Step(model.StateLocked, model.Input{Kind: model.Acquire}, model.Output{Pending: true}))
	// Output:
	// locked or unlocked
	// locked
	// locked
	// locked
}

// Describe is how operations appear in timelines: the call, then → and
// the result; "?" when the outcome is unknown. A blocking acquire that
// returned has only one possible result, and shows none.
func ExampleDescribe() {
	ok, fail := model.Output{OK: true}, model.Output{OK: false}
	fmt.Println(model.Describe(model.Input{Kind: model.Acquire}, ok))
	fmt.Println(model.Describe(model.Input{Kind: model.TryAcquire}, fail))
	fmt.Println(model.Describe(model.Input{Kind: model.AcquireTimeout, Timeout: 5 * time.Millisecond}, fail))
	fmt.Println(model.Describe(model.Input{Kind: model.AcquireContext}, fail))
	fmt.Println(model.Describe(model.Input{Kind: model.Release}, ok))
	fmt.Println(model.Describe(model.Input{Kind: model.Release}, fail))
	fmt.Println(model.Describe(model.Input{Kind: model.Locked}, ok))
	fmt.Println(model.Describe(model.Input{Kind: model.Acquire}, model.Output{Pending: true}))
	// Output:
	// acquire()
	// try_acquire() → false
	// acquire_timeout(5ms) → false
	// acquire_context() → ctx error
	// release() → ok
	// release() → error
	// locked() → true
	// acquire() → ?
}

// An owned lock may be released only by its holder: client 1's release of
// client 0's lock must report an error. The same history is linearizable
// for an unowned lock, whose release by client 1 frees it.
func ExampleSemantics_Model() {
	acquire := model.OwnedInput{Input: model.Input{Kind: model.Acquire}, Client: 0}
	release := model.OwnedInput{Input: model.Input{Kind: model.Release}, Client: 1}
	history := []porcupine.Operation{
		{ClientId: 0, Input: acquire, Output: model.Output{OK: true}, Call: 0, Return: 1},
		{ClientId: 1, Input: release, Output: model.Output{OK: true}, Call: 2, Return: 3},
	}
	fmt.Println(porcupine.CheckOperations(model.Owned.Model(), history))
	history[1].Output = model.Output{OK: false}
	fmt.Println(porcupine.CheckOperations(model.Owned.Model(), history))
	// Output:
	// false
	// true
}

// StepOwned is the owned lock's state machine: a reentrant lock counts its
// holder's acquisitions.
func ExampleStepOwned() {
	s := model.Holds{model.Unlocked}
	for _, k := range []model.Kind{model.Acquire, model.TryAcquire, model.Release} {
		s = model.StepOwned(s, model.OwnedInput{Input: model.Input{Kind: k}, Client: 3}, model.Output{OK: true}, true)
		fmt.Println(s)
	}
	// Output:
	// held by client 3
	// held by client 3 (2 times)
	// held by client 3
}
