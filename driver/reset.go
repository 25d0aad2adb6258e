package driver

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// resetWord is the word of the hello line that offers reset, and the first
// word of a reset request and of its answer.
const resetWord = "reset"

// generation is the clients of one lock of the process: the lock the
// driver started with, or the fresh lock of a reset.
type generation struct {
	clients map[int]*client // guarded by Driver.mu
	ended   chan struct{}   // closed when a reset retires the lock
	reset   bool            // the driver answered the reset that retired it
}

func newGeneration() *generation {
	return &generation{clients: map[int]*client{}, ended: make(chan struct{})}
}

// resetReq is a reset awaiting its answer.
type resetReq struct {
	n      int // the reset's number, which the answer repeats
	answer chan struct{}
}

// ErrNoReset is Reset's error for a driver whose hello line did not offer
// reset: it serves one lock, and every history needs a new process.
var ErrNoReset = errors.New("driver: the driver does not offer reset")

// ErrBusy is Reset's error when a request of the current lock is still
// unanswered (a client blocked in the lock, or a driver that is slow to
// answer): a driver that is reset with waiters in its old lock could answer
// for them later, so such a driver is not reused but closed.
var ErrBusy = errors.New("driver: a request is still unanswered")

// Reset gives the driver a fresh lock, for the next history, if its hello
// line offered reset: it sends "reset N" and waits for the answer
// "reset N", where N numbers the resets of the process from 1. It returns
// ErrNoReset if the driver did not offer reset, ErrBusy (and sends
// nothing) if a request is unanswered, and the driver's [*Error] if the
// driver is broken or closed, or breaks over the reset: an answer other than
// "reset N", or none within Options.AnswerTimeout.
//
// Handles from Client before the reset belong to the old lock: their
// operations return at once from the moment Reset is called, and Err
// reports nothing about them once the reset was answered. Client ids start
// afresh: client 0 of the new lock is a new client.
func (d *Driver) Reset() error {
	if !d.canReset {
		return ErrNoReset
	}
	d.mu.Lock()
	if d.err != nil || d.closing {
		d.mu.Unlock()
		if err := d.Err(); err != nil {
			return err
		}
		return errBroken
	}
	g := d.gen
	for _, id := range slices.Sorted(maps.Keys(g.clients)) {
		if c := g.clients[id]; c.req != nil {
			d.mu.Unlock()
			return fmt.Errorf("%w: client %d's %s", ErrBusy, id, c.req.kind)
		}
	}
	close(g.ended)
	d.gen = newGeneration()
	d.resets++
	req := &resetReq{n: d.resets, answer: make(chan struct{})}
	d.resetReq = req
	d.mu.Unlock()

	if err := d.send(resetWord + " " + strconv.Itoa(req.n)); err != nil {
		select { // prefer the exit status, reported by wait
		case <-d.exited:
		case <-time.After(d.opts.Grace):
		}
		d.fail(Exited, "stopped reading its stdin (%v)", err)
		return d.errOf(g)
	}
	t := time.NewTimer(d.opts.AnswerTimeout)
	defer t.Stop()
	select {
	case <-req.answer:
		d.mu.Lock()
		g.reset = true
		d.mu.Unlock()
		return nil
	case <-t.C:
		d.fail(NoAnswer, "reset %d got no answer within %v", req.n, d.opts.AnswerTimeout)
	case <-d.done:
	}
	if err := d.errOf(g); err != nil {
		return err
	}
	return errBroken
}

// resetAnswer handles an answer line "reset WORD".
func (d *Driver) resetAnswer(line, word string) {
	d.mu.Lock()
	if d.closing || d.err != nil {
		d.mu.Unlock()
		return
	}
	req := d.resetReq
	if req == nil || word != strconv.Itoa(req.n) {
		d.mu.Unlock()
		want := "no reset was outstanding"
		if req != nil {
			want = fmt.Sprintf("reset %d was outstanding", req.n)
		}
		d.fail(Protocol, "answered %q, but %s", clip(line), want)
		return
	}
	d.resetReq = nil
	d.mu.Unlock()
	close(req.answer)
}

// CanReset reports whether the driver's hello line offered reset.
func (d *Driver) CanReset() bool { return d.canReset }
