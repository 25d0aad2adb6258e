package linear

import (
	"math/rand/v2"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// randomHistory runs n operations of a correct lock on up to clients
// clients, interleaving calls, effects and returns at random, then applies a
// few random corruptions (flipped outcomes, unknown outcomes, lost returns,
// moved times, ties). Roughly half the results are linearizable.
func randomHistory(rng *rand.Rand, n, clients int) []history.Op {
	type run struct {
		op     int // index in h, or -1
		effect bool
	}
	h := make([]history.Op, 0, n)
	runs := make([]run, clients)
	for i := range runs {
		runs[i].op = -1
	}
	locked := false
	var t int64
	started := 0
	for {
		busy := 0
		for _, r := range runs {
			if r.op >= 0 {
				busy++
			}
		}
		if started == n && busy == 0 {
			break
		}
		c := rng.IntN(clients)
		r := &runs[c]
		switch {
		case r.op < 0 && started < n:
			t++
			k := model.Kinds[rng.IntN(len(model.Kinds))]
			in := model.Input{Kind: k}
			if k == model.AcquireTimeout {
				in.Timeout = time.Duration(rng.IntN(3)) * time.Millisecond
			}
			h = append(h, history.Op{Client: c, Input: in, Call: t, Return: history.Never})
			r.op, r.effect = len(h)-1, false
			started++
		case r.op >= 0 && !r.effect:
			op := &h[r.op]
			switch op.Input.Kind {
			case model.Acquire:
				if locked {
					break // waits
				}
				locked, op.Output.OK = true, true
			case model.TryAcquire, model.AcquireTimeout:
				op.Output.OK = !locked
				locked = true
			case model.AcquireContext:
				if locked || rng.IntN(4) == 0 {
					op.Output.OK = false // the context ended
				} else {
					locked, op.Output.OK = true, true
				}
			case model.Release:
				op.Output.OK = locked
				locked = false
			case model.Locked:
				op.Output.OK = locked
			}
			r.effect = op.Input.Kind != model.Acquire || op.Output.OK
		case r.op >= 0:
			t++
			h[r.op].Return = t
			r.op = -1
		}
		// A blocked acquire that nothing can release (every client
		// waits, or no operation is left to start) never returns; now
		// and then one gives up early anyway.
		stuck := locked && (started == n || busy == clients)
		for _, r := range runs {
			if r.op >= 0 && (r.effect || h[r.op].Input.Kind != model.Acquire) {
				stuck = false
			}
		}
		if busy > 0 && (stuck || rng.IntN(100) == 0) {
			for i := range runs {
				if runs[i].op >= 0 && !runs[i].effect && h[runs[i].op].Input.Kind == model.Acquire {
					h[runs[i].op].Output = model.Output{Pending: true}
					runs[i].op = -1
					break
				}
			}
		}
	}
	corrupt(rng, h)
	return h
}

func corrupt(rng *rand.Rand, h []history.Op) {
	if len(h) == 0 {
		return
	}
	for range rng.IntN(4) {
		op := &h[rng.IntN(len(h))]
		switch rng.IntN(8) {
		case 0, 1: // flip the outcome
			op.Output.OK = !op.Output.OK
		case 2: // unknown outcome, returned ("info")
			op.Output = model.Output{Pending: true}
		case 3: // never returned
			op.Output, op.Return = model.Output{Pending: true}, history.Never
		case 4: // return earlier (possibly before another's call, or its own)
			if op.Return != history.Never {
				op.Return -= int64(rng.IntN(4))
			}
		case 5: // return later
			if op.Return != history.Never {
				op.Return += int64(rng.IntN(4))
			}
		case 6: // call later
			op.Call += int64(rng.IntN(3))
		case 7: // a definite outcome that never returned
			op.Return = history.Never
		}
	}
	if rng.IntN(4) == 0 { // coarse clock: ties between calls and returns
		for i := range h {
			h[i].Call /= 2
			if h[i].Return != history.Never {
				h[i].Return /= 2
			}
		}
	}
}
