package model_test

import (
	"fmt"

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
