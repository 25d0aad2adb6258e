package model_test

import (
	"slices"
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/model"
)

// by is an operation of client c on an owned lock.
func by(c int, k model.Kind) model.OwnedInput {
	return model.OwnedInput{Input: model.Input{Kind: k}, Client: c}
}

// TestStepOwned lists every operation and outcome of client 0 from the
// owned lock's single states: free, held once by client 0 (the caller),
// held twice by client 0, and held by client 1; for the owned and the
// reentrant lock. nil is an illegal step.
func TestStepOwned(t *testing.T) {
	U := model.Unlocked
	M1, M2, M3 := model.Hold{Owner: 0, Count: 1}, model.Hold{Owner: 0, Count: 2}, model.Hold{Owner: 0, Count: 3}
	O := model.Hold{Owner: 1, Count: 1}
	H := func(hs ...model.Hold) model.Holds { return hs }
	var X model.Holds // illegal
	cases := []struct {
		kind      model.Kind
		out       model.Output
		reentrant bool
		fromU     model.Holds
		fromM1    model.Holds
		fromM2    model.Holds
		fromO     model.Holds
	}{
		// owned, not reentrant
		{model.Acquire, ok(true), false, H(M1), X, X, X},
		{model.Acquire, ok(false), false, X, X, X, X},
		{model.TryAcquire, ok(true), false, H(M1), X, X, X},
		{model.TryAcquire, ok(false), false, X, H(M1), H(M2), H(O)},
		{model.AcquireTimeout, ok(true), false, H(M1), X, X, X},
		{model.AcquireTimeout, ok(false), false, X, H(M1), H(M2), H(O)},
		{model.AcquireContext, ok(true), false, H(M1), X, X, X},
		{model.AcquireContext, ok(false), false, H(U), H(M1), H(M2), H(O)},
		{model.Release, ok(true), false, X, H(U), H(M1), X},
		{model.Release, ok(false), false, H(U), X, X, H(O)},
		{model.Locked, ok(true), false, X, H(M1), H(M2), H(O)},
		{model.Locked, ok(false), false, H(U), X, X, X},
		{model.Acquire, pending, false, H(U, M1), H(M1), H(M2), H(O)},
		{model.TryAcquire, pending, false, H(U, M1), H(M1), H(M2), H(O)},
		{model.Release, pending, false, H(U), H(U, M1), H(M1, M2), H(O)},
		{model.Locked, pending, false, H(U), H(M1), H(M2), H(O)},
		// reentrant: the holder's acquisitions succeed and count
		{model.Acquire, ok(true), true, H(M1), H(M2), H(M3), X},
		{model.TryAcquire, ok(true), true, H(M1), H(M2), H(M3), X},
		{model.TryAcquire, ok(false), true, X, X, X, H(O)},
		{model.AcquireTimeout, ok(false), true, X, X, X, H(O)},
		{model.AcquireContext, ok(true), true, H(M1), H(M2), H(M3), X},
		{model.AcquireContext, ok(false), true, H(U), H(M1), H(M2), H(O)},
		{model.Release, ok(true), true, X, H(U), H(M1), X},
		{model.Release, ok(false), true, H(U), X, X, H(O)},
		{model.Acquire, pending, true, H(U, M1), H(M1, M2), H(M2, M3), H(O)},
		{model.Release, pending, true, H(U), H(U, M1), H(M1, M2), H(O)},
	}
	for _, c := range cases {
		for _, from := range []struct {
			name string
			s    model.Hold
			want model.Holds
		}{{"unlocked", U, c.fromU}, {"held by the caller", M1, c.fromM1}, {"held twice by the caller", M2, c.fromM2}, {"held by another", O, c.fromO}} {
			got := model.StepOwned(model.Holds{from.s}, by(0, c.kind), c.out, c.reentrant)
			if !slices.Equal(got, from.want) {
				t.Errorf("reentrant=%t: %s from %s: got %v, want %v",
					c.reentrant, model.Describe(model.Input{Kind: c.kind}, c.out), from.name, got, from.want)
			}
		}
	}
	// A set of states steps each member; the result is sorted and deduplicated.
	got := model.StepOwned(model.Holds{U, M1, O}, by(0, model.Locked), ok(true), false)
	if want := (model.Holds{M1, O}); !slices.Equal(got, want) {
		t.Errorf("locked() → true from {unlocked, mine, other's}: got %v, want %v", got, want)
	}
	got = model.StepOwned(model.Holds{U, M1}, by(0, model.Acquire), pending, true)
	if want := (model.Holds{U, M1, M2}); !slices.Equal(got, want) {
		t.Errorf("pending acquire from {unlocked, mine}: got %v, want %v", got, want)
	}
}

func TestSemantics(t *testing.T) {
	for _, s := range []model.Semantics{model.Unowned, model.Owned, model.Reentrant} {
		got, ok := model.ParseSemantics(s.String())
		if !ok || got != s {
			t.Errorf("ParseSemantics(%q) = %v, %t", s, got, ok)
		}
	}
	if _, ok := model.ParseSemantics("recursive"); ok {
		t.Error("ParseSemantics accepted an unknown name")
	}
	if s := model.Semantics(9).String(); s != "Semantics(9)" {
		t.Errorf("Semantics(9).String() = %q", s)
	}
	if got := (model.Holds{model.Unlocked, {Owner: 2, Count: 3}}).String(); got != "unlocked or held by client 2 (3 times)" {
		t.Errorf("Holds.String() = %q", got)
	}
}

// oop builds an operation of client c on an owned lock (ret < 0: never
// returned).
func oop(c int, k model.Kind, out model.Output, call, ret int64) porcupine.Operation {
	if ret < 0 {
		ret, out = 1000, pending
	}
	return porcupine.Operation{ClientId: c, Input: by(c, k), Output: out, Call: call, Return: ret}
}

// TestOwnedHistories checks small concurrent histories of owned locks with
// porcupine, both verdicts, under each semantics.
func TestOwnedHistories(t *testing.T) {
	A, T, R, Q := model.Acquire, model.TryAcquire, model.Release, model.Locked
	const un, own, re = model.Unowned, model.Owned, model.Reentrant
	cases := []struct {
		name string
		ops  []porcupine.Operation
		want map[model.Semantics]bool // by semantics
	}{
		{"the holder releases", []porcupine.Operation{oop(0, A, ok(true), 0, 1), oop(0, R, ok(true), 2, 3)},
			map[model.Semantics]bool{un: true, own: true, re: true}},
		{"another client releases", []porcupine.Operation{oop(0, A, ok(true), 0, 1), oop(1, R, ok(true), 2, 3)},
			map[model.Semantics]bool{un: true, own: false, re: false}},
		{"another client's release is refused, and changes nothing", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(1, R, ok(false), 2, 3), oop(1, T, ok(false), 4, 5)},
			map[model.Semantics]bool{un: false, own: true, re: true}},
		{"a refused release that freed the lock", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(1, R, ok(false), 2, 3), oop(1, T, ok(true), 4, 5)},
			map[model.Semantics]bool{un: false, own: false, re: false}},
		{"the holder acquires again", []porcupine.Operation{oop(0, A, ok(true), 0, 1), oop(0, T, ok(true), 2, 3)},
			map[model.Semantics]bool{un: false, own: false, re: true}},
		{"the holder's try fails", []porcupine.Operation{oop(0, A, ok(true), 0, 1), oop(0, T, ok(false), 2, 3)},
			map[model.Semantics]bool{un: true, own: true, re: false}},
		{"free after as many releases", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(0, A, ok(true), 2, 3), oop(0, R, ok(true), 4, 5),
			oop(1, T, ok(false), 6, 7), oop(0, R, ok(true), 8, 9), oop(1, T, ok(true), 10, 11)},
			map[model.Semantics]bool{un: false, own: false, re: true}},
		{"freed after the first of two releases", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(0, A, ok(true), 2, 3), oop(0, R, ok(true), 4, 5), oop(1, T, ok(true), 6, 7)},
			map[model.Semantics]bool{un: false, own: false, re: false}},
		{"a concurrent release by the holder lets a waiter in", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(1, A, ok(true), 2, 6), oop(0, R, ok(true), 3, 4), oop(1, Q, ok(true), 7, 8)},
			map[model.Semantics]bool{un: true, own: true, re: true}},
		{"a waiter that never returned may hold the lock", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(1, A, pending, 2, -1), oop(0, R, ok(true), 3, 4), oop(0, T, ok(false), 5, 6)},
			map[model.Semantics]bool{un: true, own: true, re: true}},
		{"a pending release by a non-holder frees nothing", []porcupine.Operation{
			oop(0, A, ok(true), 0, 1), oop(1, R, pending, 2, -1), oop(2, T, ok(true), 3, 4)},
			map[model.Semantics]bool{un: true, own: false, re: false}},
	}
	for _, c := range cases {
		for sem, want := range c.want {
			ops := slices.Clone(c.ops)
			if sem == un {
				for i := range ops {
					ops[i].Input = ops[i].Input.(model.OwnedInput).Input
				}
			}
			if got := porcupine.CheckOperations(sem.Model(), ops); got != want {
				t.Errorf("%s (%s): linearizable = %v, want %v", c.name, sem, got, want)
			}
		}
	}
}
