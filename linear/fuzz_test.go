package linear

import (
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// fuzzHistory decodes a small history from data: per operation four bytes
// (client and kind, outcome, call, return), with times from a small clock
// so that ties, overlaps, inverted and missing returns all occur.
func fuzzHistory(data []byte) (model.State, []history.Op) {
	init := model.StateUnlocked
	if len(data) > 0 {
		init = model.State(1 + data[0]%3)
		data = data[1:]
	}
	var h []history.Op
	for len(data) >= 4 && len(h) < 10 {
		b := data[:4]
		data = data[4:]
		op := history.Op{
			Client: int(b[0] >> 4 % 4),
			Input:  model.Input{Kind: model.Kinds[int(b[0]&15)%len(model.Kinds)]},
			Call:   int64(b[2] % 16),
		}
		switch b[1] % 4 {
		case 0:
		case 1:
			op.Output.OK = true
		default:
			op.Output.Pending = true
		}
		op.Return = op.Call + int64(b[3]%8)
		if b[3] >= 0xF0 {
			op.Return = history.Never
		} else if b[3] >= 0xE0 {
			op.Return = op.Call - 1
		}
		h = append(h, op)
	}
	return init, h
}

// FuzzAgainstPorcupine compares Check's verdict with porcupine's on small
// histories, and checks that a window Check reports is not linearizable
// for porcupine either.
func FuzzAgainstPorcupine(f *testing.F) {
	f.Add([]byte{0, 0x01, 1, 0, 1, 0x12, 1, 2, 1})
	f.Add([]byte{1, 0x05, 1, 1, 3, 0x11, 1, 2, 3, 0x23, 2, 2, 0xF0})
	f.Add([]byte{2, 0x03, 0, 1, 0xE1, 0x14, 1, 3, 2, 0x25, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		init, h := fuzzHistory(data)
		want := Porcupine(init, h, 0)
		got := CheckFrom(init, h, Options{})
		if got.Verdict != want {
			t.Fatalf("from %v: Check says %s, porcupine %s\n%s%#v", init, got.Verdict, want, history.Timeline(h, nil), h)
		}
		if w := got.Window; w != nil && !w.Confirmed {
			t.Fatalf("window not confirmed by porcupine:\n%s", history.Timeline(w.Ops, nil))
		}
	})
}
