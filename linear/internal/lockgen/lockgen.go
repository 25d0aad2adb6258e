// Package lockgen generates long histories of a correct lock, for the
// benchmarks of package linear and for files to check with lockcheck check.
package lockgen

import (
	"math/rand/v2"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// History returns n operations of a correct lock run by clients clients:
// each client invokes operations of every kind one after the other; at every
// step a random client advances (invokes, takes effect, or returns), and a
// blocking acquire takes effect only when the lock is free, so acquires wait
// for each other. Times are consecutive integers, one per event, like the
// lines of a history file. The history is linearizable.
func History(rng *rand.Rand, n, clients int) []history.Op {
	type run struct {
		op     int
		effect bool
	}
	h := make([]history.Op, 0, n)
	runs := make([]run, clients)
	for i := range runs {
		runs[i].op = -1
	}
	locked, holder := false, -1
	var t int64
	started, busy := 0, 0
	for started < n || busy > 0 || locked {
		c := rng.IntN(clients)
		r := &runs[c]
		if started >= n && locked && runs[holder].op < 0 {
			c, r = holder, &runs[holder] // the holder lets go at the end
		}
		switch {
		case r.op < 0 && (started < n || c == holder):
			t++
			// The holder releases more often, others mostly acquire.
			var k model.Kind
			switch x := rng.IntN(10); {
			case holder == c && (x < 7 || started >= n):
				k = model.Release
			case holder == c && x < 8:
				k = model.TryAcquire // never blocks on itself
			case holder == c:
				k = model.Locked
			case x < 3:
				k = model.Acquire
			case x < 5:
				k = model.TryAcquire
			case x < 6:
				k = model.AcquireTimeout
			case x < 7:
				k = model.AcquireContext
			case x < 9:
				k = model.Locked
			default:
				k = model.Release
			}
			in := model.Input{Kind: k}
			if k == model.AcquireTimeout {
				in.Timeout = time.Millisecond
			}
			h = append(h, history.Op{Client: c, Input: in, Call: t, Return: history.Never})
			r.op, r.effect = len(h)-1, false
			started++
			busy++
		case r.op >= 0 && !r.effect:
			op := &h[r.op]
			switch op.Input.Kind {
			case model.Acquire:
				if locked {
					continue // waits
				}
				locked, holder, op.Output.OK = true, c, true
			case model.TryAcquire, model.AcquireTimeout, model.AcquireContext:
				if !locked && (op.Input.Kind != model.AcquireContext || rng.IntN(4) > 0) {
					locked, holder, op.Output.OK = true, c, true
				} else if locked && op.Input.Kind != model.TryAcquire && rng.IntN(3) > 0 {
					continue // waits a little longer
				}
			case model.Release:
				op.Output.OK = locked
				locked, holder = false, -1
			case model.Locked:
				op.Output.OK = locked
			}
			r.effect = true
		case r.op >= 0:
			t++
			h[r.op].Return = t
			r.op = -1
			busy--
		}
	}
	return h
}

// Violate makes h not linearizable by changing one operation near the end
// (at least at fraction at of the history): a locked() whose answer is
// turned around, or failing that a try_acquire. It returns the index
// changed, or -1 if it found no candidate.
func Violate(h []history.Op, at float64) int {
	for _, k := range []model.Kind{model.Locked, model.TryAcquire} {
		start := int(at * float64(len(h)))
		for j := range h {
			i := (start + j) % len(h)
			op := &h[i]
			if op.Input.Kind != k || op.Return != op.Call+1 {
				continue
			}
			// An operation that returned right after its call saw
			// one state; the opposite answer is illegal.
			op.Output.OK = !op.Output.OK
			return i
		}
	}
	return -1
}
