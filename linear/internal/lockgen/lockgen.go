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
	return generate(rng, n, clients, -1)
}

func generate(rng *rand.Rand, n, clients, violateAt int) []history.Op {
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
		if violateAt >= 0 && started >= violateAt && locked {
			releasing := false
			for _, r := range runs {
				releasing = releasing || r.op >= 0 && h[r.op].Input.Kind == model.Release
			}
			if !releasing {
				h = append(h, history.Op{Client: clients, Input: model.Input{Kind: model.TryAcquire},
					Output: model.Output{OK: true}, Call: t + 1, Return: t + 2})
				t += 2
				violateAt = -1
			}
		}
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

// Violate is History with one violation: once at least at operations
// have started, at the first moment the lock is held and no release is
// running, an extra client (number clients) calls try_acquire and gets
// true at once. The result is not linearizable unless an earlier order of
// events lets the lock be free then; callers check.
func Violate(rng *rand.Rand, n, clients, at int) []history.Op {
	return generate(rng, n, clients, at)
}
