// Package model is the sequential specification of a primitive lock, written
// as a porcupine model.
//
// A lock has two states, unlocked and locked, and starts unlocked. Every
// operation of the lock (acquire, try_acquire, acquire_timeout,
// acquire_context, release, locked) is a step of that state machine that is
// legal only in some states and produces a known result. [Model] decides
// whether a concurrent history of such operations is linearizable: whether the
// operations can be put in one order, consistent with real time, in which each
// step is legal.
//
// Operations whose outcome is unknown (a waiter still blocked when the run
// ended, an "info" entry of a recorded history) may or may not have taken
// effect; the model keeps both possibilities. Its state is therefore the set of
// states the lock may be in.
//
// An owned lock (see [Semantics]) also remembers who holds it and, if it is
// reentrant, how many times: [OwnedModel] and [ReentrantModel] take
// [OwnedInput] inputs, which name the client that called, and their state is
// the set of [Hold] values the lock may be in.
package model
