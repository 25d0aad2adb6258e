package main

import (
	"strings"
	"testing"
)

func TestStateAfter(t *testing.T) {
	cases := []struct {
		s          ilStep
		before, to string
	}{
		{ilStep{Pos: "broken.go:1", Op: "atomic.CompareAndSwapInt32", Value: "0 → 1 (true)"}, "0", "1"},
		{ilStep{Pos: "broken.go:1", Op: "atomic.CompareAndSwapInt32", Value: "2, not 0 (false)"}, "1", "2"},
		{ilStep{Pos: "broken.go:1", Op: "atomic.SwapInt32", Value: "2 → 1"}, "2", "1"},
		{ilStep{Pos: "broken.go:1", Op: "atomic.LoadUint32", Value: "0"}, "", "0"},
		{ilStep{Pos: "broken.go:1", Op: "sync.Mutex.Lock"}, "1", "1"},
		{ilStep{Pos: "controlled.go:93", Op: "atomic.AddInt64", Value: "3 → 4"}, "1", "1"}, // the harness's clock
	}
	for _, tc := range cases {
		if got := stateAfter(tc.s, tc.before); got != tc.to {
			t.Errorf("%+v from %q: %q, want %q", tc.s, tc.before, got, tc.to)
		}
	}
}

func TestInterleavingFigure(t *testing.T) {
	il := interleaving{Name: "check-then-set", Bug: "two steps", Kind: "linearizability violation", Preemptions: 1,
		Scripts: [][]string{{"acquire"}, {"acquire"}},
		Steps: []ilStep{
			{Who: "client 0", Pos: "controlled.go:93", Op: "atomic.AddInt64", Value: "0 → 1"},
			{Who: "client 0", Pos: "broken.go:37", Op: "atomic.LoadUint32", Value: "0"},
			{Who: "client 1", Pos: "controlled.go:93", Op: "atomic.AddInt64", Value: "1 → 2", Preempt: true},
			{Who: "client 1", Pos: "broken.go:37", Op: "atomic.LoadUint32", Value: "0"},
			{Who: "client 1", Pos: "broken.go:40", Op: "atomic.StoreUint32", Value: "0 → 1"},
			{Who: "harness", Pos: "broken.go:37", Op: "atomic.LoadUint32", Value: "1"},
			{Who: "client 0", Pos: "broken.go:40", Op: "atomic.StoreUint32", Value: "1 → 1"},
			{Who: "client 0", Pos: "controlled.go:93", Op: "atomic.AddInt64", Value: "3 → 4"},
		}}
	s := il.svg()
	wellFormed(t, "interleaving", s)
	for _, want := range []string{"client 0", "client 1", "harness", "state word", "broken.go:40  StoreUint32: 0 → 1", "stroke-dasharray", "── calls acquire ──", "── returns from acquire ──"} {
		if !strings.Contains(s, want) {
			t.Errorf("the figure lacks %q", want)
		}
	}
	if got := il.columns(); strings.Join(got, ",") != "client 0,client 1,harness" {
		t.Errorf("columns %v", got)
	}
}
