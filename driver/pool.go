package driver

import (
	"context"
	"errors"
	"sync"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
)

// Pool hands out fresh drivers, one per run, for sim.Run: pass its Target
// method as the harness's newTarget. While a run uses one driver, the pool
// starts the next process, so a run does not wait for an interpreter to
// start (a few are started ahead); and a finished driver is shut down in the background, so a run
// does not wait for the previous one to exit. Close stops the spare and
// reaps every process the pool started.
//
// Because shutting down is in the background, a driver of the pool that
// exits with a non-zero status after its stdin was closed is not reported
// (a Driver of Start, closed by its own Close, is).
type Pool struct {
	ctx  context.Context
	argv []string
	opts Options

	mu      sync.Mutex
	spares  []chan started // the next drivers, starting, oldest first
	closed  bool
	lastErr *Error
	ops     []model.Kind
	wg      sync.WaitGroup // starts and background shutdowns
}

type started struct {
	d   *Driver
	err error
}

// DefaultSpares is the number of drivers a pool keeps starting ahead of
// use. Two hide most of the start-up time of a Python driver (about 40ms of
// which half is CPU) behind runs of about 10ms on a two-core machine.
const DefaultSpares = 2

// NewPool returns a pool of drivers running argv, and starts the first
// spares drivers (DefaultSpares if spares < 1).
func NewPool(ctx context.Context, argv []string, opts Options, spares int) *Pool {
	p := &Pool{ctx: ctx, argv: append([]string(nil), argv...), opts: opts}
	if spares < 1 {
		spares = DefaultSpares
	}
	p.mu.Lock()
	for range spares {
		p.prestart()
	}
	p.mu.Unlock()
	return p
}

// prestart starts another driver; p.mu is held.
func (p *Pool) prestart() {
	ch := make(chan started, 1)
	p.spares = append(p.spares, ch)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		d, err := Start(p.ctx, p.argv, p.opts)
		ch <- started{d, err}
	}()
}

var errPoolClosed = errors.New("driver: pool closed")

// Target returns a fresh driver (as a sim.Target) and starts the next one.
func (p *Pool) Target() (sim.Target, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	if err := context.Cause(p.ctx); err != nil {
		p.mu.Unlock()
		return nil, err
	}
	ch := p.spares[0]
	p.spares = p.spares[1:]
	p.prestart()
	p.mu.Unlock()
	s := <-ch
	if s.err != nil {
		p.note(s.err)
		return nil, s.err
	}
	p.mu.Lock()
	p.ops = s.d.Ops()
	p.mu.Unlock()
	return &pooled{Driver: s.d, pool: p}, nil
}

// note remembers a driver's misbehaviour.
func (p *Pool) note(err error) {
	var e *Error
	if errors.As(err, &e) {
		p.mu.Lock()
		p.lastErr = e
		p.mu.Unlock()
	}
}

// LastErr returns the misbehaviour most recently reported by a driver of the
// pool (by Start or by a target's Err), or nil. When sim reports a
// sim.TargetFailed failure, this is the failing run's error with its kind
// and stderr tail.
func (p *Pool) LastErr() *Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastErr
}

// Ops returns the operations the most recent driver advertised, or nil.
func (p *Pool) Ops() []model.Kind {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]model.Kind(nil), p.ops...)
}

// Close stops the spare drivers and waits until every driver of the pool has
// been reaped.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return nil
	}
	p.closed = true
	spares := p.spares
	p.spares = nil
	p.mu.Unlock()
	for _, ch := range spares {
		if s := <-ch; s.d != nil {
			_ = s.d.Close()
		}
	}
	p.wg.Wait()
	return nil
}

// pooled is a driver of the pool: its Close returns once operations have
// ended and the driver's stdin is closed; the rest of the shutdown happens
// in the background.
type pooled struct {
	*Driver
	pool *Pool
}

func (t *pooled) Close() error {
	t.beginClose()
	t.pool.wg.Add(1)
	go func() {
		defer t.pool.wg.Done()
		t.finishClose()
	}()
	return nil
}

func (t *pooled) Err() error {
	err := t.Driver.Err()
	if err != nil {
		t.pool.note(err)
	}
	return err
}
