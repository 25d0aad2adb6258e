package model_test

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/model"
)

func in(k model.Kind) model.Input { return model.Input{Kind: k} }
func ok(v bool) model.Output      { return model.Output{OK: v} }

var pending = model.Output{Pending: true}

// TestStep lists every operation and outcome from each single state: the
// legal steps with their next state, and the illegal ones (next state 0).
func TestStep(t *testing.T) {
	U, L, E := model.StateUnlocked, model.StateLocked, model.StateEither
	cases := []struct {
		kind     model.Kind
		out      model.Output
		fromU    model.State // next state from unlocked; 0 = illegal
		fromL    model.State // next state from locked
		describe string
	}{
		{model.Acquire, ok(true), L, 0, "acquire()"},
		{model.Acquire, ok(false), 0, 0, "acquire()"},
		{model.TryAcquire, ok(true), L, 0, "try_acquire() → true"},
		{model.TryAcquire, ok(false), 0, L, "try_acquire() → false"},
		{model.AcquireTimeout, ok(true), L, 0, "acquire_timeout(0s) → true"},
		{model.AcquireTimeout, ok(false), 0, L, "acquire_timeout(0s) → false"},
		{model.AcquireContext, ok(true), L, 0, "acquire_context() → nil"},
		{model.AcquireContext, ok(false), U, L, "acquire_context() → ctx error"},
		{model.Release, ok(true), 0, U, "release() → ok"},
		{model.Release, ok(false), U, 0, "release() → error"},
		{model.Locked, ok(true), 0, L, "locked() → true"},
		{model.Locked, ok(false), U, 0, "locked() → false"},
		{model.Acquire, pending, E, L, "acquire() → ?"},
		{model.TryAcquire, pending, E, L, "try_acquire() → ?"},
		{model.AcquireTimeout, pending, E, L, "acquire_timeout(0s) → ?"},
		{model.AcquireContext, pending, E, L, "acquire_context() → ?"},
		{model.Release, pending, U, E, "release() → ?"},
		{model.Locked, pending, U, L, "locked() → ?"},
	}
	for _, c := range cases {
		if got := model.Step(U, in(c.kind), c.out); got != c.fromU {
			t.Errorf("%s from unlocked: got %v, want %v", c.describe, got, c.fromU)
		}
		if got := model.Step(L, in(c.kind), c.out); got != c.fromL {
			t.Errorf("%s from locked: got %v, want %v", c.describe, got, c.fromL)
		}
		if got := model.Step(E, in(c.kind), c.out); got != c.fromU|c.fromL {
			t.Errorf("%s from either: got %v, want %v", c.describe, got, c.fromU|c.fromL)
		}
		if got := model.Describe(in(c.kind), c.out); got != c.describe {
			t.Errorf("Describe = %q, want %q", got, c.describe)
		}
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range model.Kinds {
		got, ok := model.ParseKind(k.String())
		if !ok || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, ok)
		}
	}
	if _, ok := model.ParseKind("acquire_forever"); ok {
		t.Error("ParseKind accepted an unknown name")
	}
	if s := model.Kind(0).String(); s != "Kind(0)" {
		t.Errorf("Kind(0).String() = %q", s)
	}
	if d := model.Describe(model.Input{Kind: model.AcquireTimeout, Timeout: 5 * time.Millisecond}, ok(false)); d != "acquire_timeout(5ms) → false" {
		t.Errorf("Describe = %q", d)
	}
}

// op builds an operation for porcupine: client, kind, result, call and
// return times (ret < 0: never returned).
func op(client int, k model.Kind, out model.Output, call, ret int64) porcupine.Operation {
	if ret < 0 {
		ret, out = 1000, pending
	}
	return porcupine.Operation{ClientId: client, Input: in(k), Output: out, Call: call, Return: ret}
}

// TestHistories checks small concurrent histories, both verdicts.
func TestHistories(t *testing.T) {
	A, T, R, Q := model.Acquire, model.TryAcquire, model.Release, model.Locked
	cases := []struct {
		name string
		ops  []porcupine.Operation
		want bool
	}{
		{"sequential acquire release", []porcupine.Operation{op(0, A, ok(true), 0, 1), op(0, R, ok(true), 2, 3)}, true},
		{"two acquires without release", []porcupine.Operation{op(0, A, ok(true), 0, 1), op(1, A, ok(true), 2, 3)}, false},
		{"two overlapping try_acquires both win", []porcupine.Operation{op(0, T, ok(true), 0, 3), op(1, T, ok(true), 1, 2)}, false},
		{"overlapping release lets the blocked acquire through", []porcupine.Operation{
			op(0, A, ok(true), 0, 1), op(1, A, ok(true), 2, 6), op(0, R, ok(true), 3, 4)}, true},
		{"acquire returns before the release is called", []porcupine.Operation{
			op(0, A, ok(true), 0, 1), op(1, A, ok(true), 2, 3), op(0, R, ok(true), 4, 5)}, false},
		{"release of unlocked reports error", []porcupine.Operation{op(0, R, ok(false), 0, 1)}, true},
		{"release of unlocked succeeds (semaphore)", []porcupine.Operation{op(0, R, ok(true), 0, 1)}, false},
		{"release by another client", []porcupine.Operation{op(0, A, ok(true), 0, 1), op(1, R, ok(true), 2, 3), op(0, Q, ok(false), 4, 5)}, true},
		{"locked says true on a free lock", []porcupine.Operation{op(0, Q, ok(true), 0, 1)}, false},
		{"failed try_acquire on a free lock", []porcupine.Operation{op(0, T, ok(false), 0, 1)}, false},
		{"failed try_acquire concurrent with a holder", []porcupine.Operation{op(0, A, ok(true), 0, 2), op(1, T, ok(false), 1, 3), op(0, R, ok(true), 4, 5)}, true},
		{"waiter that never returned may not have acquired", []porcupine.Operation{
			op(0, A, ok(true), 0, 1), op(1, A, pending, 2, -1), op(0, R, ok(true), 3, 4), op(0, T, ok(true), 5, 6)}, true},
		{"waiter that never returned may have acquired", []porcupine.Operation{
			op(0, A, ok(true), 0, 1), op(1, A, pending, 2, -1), op(0, R, ok(true), 3, 4), op(0, Q, ok(true), 5, 6)}, true},
		{"pending release took effect", []porcupine.Operation{op(0, A, ok(true), 0, 1), op(1, R, pending, 2, -1), op(0, T, ok(true), 3, 4)}, true},
		{"pending op cannot explain a double acquire", []porcupine.Operation{
			op(0, A, ok(true), 0, 1), op(1, Q, pending, 2, -1), op(0, A, ok(true), 3, 4)}, false},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperations(model.Model, c.ops); got != c.want {
			t.Errorf("%s: linearizable = %v, want %v", c.name, got, c.want)
		}
	}
}
