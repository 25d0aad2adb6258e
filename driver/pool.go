package driver

import (
	"context"
	"errors"
	"sync"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
)

// Pool hands out fresh drivers, one per run, for sim.Run: pass its Target
// method as the harness's newTarget.
//
// A driver whose hello line offered reset serves many runs: when a run's
// target is closed and every request of the run was answered, the pool
// resets the driver (a fresh lock in the same process, see [Driver.Reset])
// and hands it to the next run. A run that ends with a request unanswered
// (a client stuck in the lock) closes its driver instead, since the
// waiters of the old lock could still answer; so does a driver that broke.
//
// Otherwise a driver serves one run. While a run uses one driver, the pool
// starts the next process, so a run does not wait for an interpreter to
// start (a few are started ahead); and a finished driver is shut down in the
// background, so a run does not wait for the previous one to exit. For a
// driver that offers reset, the pool starts no spare until a run could not
// reuse its driver, and keeps one from then on: a spare would otherwise
// compete for the processor while it starts (a JVM compiles for seconds)
// and never be used. Close stops the spares and reaps every process the
// pool started.
//
// Because shutting down is in the background, a driver of the pool that
// exits with a non-zero status after its stdin was closed is not reported
// (a Driver of Start, closed by its own Close, is).
type Pool struct {
	ctx  context.Context
	argv []string
	opts Options

	mu      sync.Mutex
	spares  []*spare  // the next drivers, starting, oldest first
	want    int       // spares to keep starting ahead
	known   bool      // want was set from a driver's hello line
	idle    []*Driver // reset drivers, ready for the next run
	closed  bool
	lastErr *Error
	ops     []model.Kind
	wg      sync.WaitGroup // starts and background shutdowns
}

// spare is a driver the pool started ahead of use.
type spare struct {
	ready chan struct{} // closed when Start returned
	d     *Driver
	err   error
}

// DefaultSpares is the number of drivers a pool keeps starting ahead of
// use for a driver that does not offer reset. Two hide most of the start-up
// time of a Python driver (about 40ms of which half is CPU) behind runs of
// about 10ms on a two-core machine.
const DefaultSpares = 2

// NewPool returns a pool of drivers running argv, and starts the first one.
// Once its hello line says whether it offers reset, the pool keeps spares
// drivers (DefaultSpares if spares < 1) starting ahead of use if it does
// not; if it does, none until a run cannot reuse its driver, and one from
// then on.
func NewPool(ctx context.Context, argv []string, opts Options, spares int) *Pool {
	p := &Pool{ctx: ctx, argv: append([]string(nil), argv...), opts: opts}
	if spares < 1 {
		spares = DefaultSpares
	}
	p.want = spares
	p.mu.Lock()
	p.prestart()
	p.mu.Unlock()
	return p
}

// prestart starts another driver; p.mu is held.
func (p *Pool) prestart() {
	sp := &spare{ready: make(chan struct{})}
	p.spares = append(p.spares, sp)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		d, err := Start(p.ctx, p.argv, p.opts)
		sp.d, sp.err = d, err
		close(sp.ready)
	}()
}

var errPoolClosed = errors.New("driver: pool closed")

// Target returns a driver with a fresh lock (as a sim.Target): a driver
// reset after an earlier run if there is one, else a new process, and then
// it starts the next spare.
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
	if n := len(p.idle); n > 0 {
		d := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return p.wrap(d), nil
	}
	if len(p.spares) == 0 {
		p.prestart()
	}
	s := p.spares[0]
	p.spares = p.spares[1:]
	p.topUp()
	p.mu.Unlock()
	<-s.ready
	if s.err != nil {
		p.note(s.err)
		return nil, s.err
	}
	p.mu.Lock()
	p.ops = s.d.Ops()
	if !p.known {
		p.known = true
		if s.d.CanReset() {
			p.want = 0
		}
		p.topUp()
	}
	p.mu.Unlock()
	return p.wrap(s.d), nil
}

// Ready waits until the driver that Target will return next has started,
// and returns the error it failed to start with, which Target returns too.
// A caller keeps the start-up of the first driver (a JVM's can take
// seconds) out of a time budget by calling Ready before starting the clock.
func (p *Pool) Ready() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errPoolClosed
	}
	if len(p.idle) > 0 {
		p.mu.Unlock()
		return nil
	}
	if len(p.spares) == 0 {
		p.prestart()
	}
	s := p.spares[0]
	p.mu.Unlock()
	select {
	case <-s.ready:
		return s.err
	case <-p.ctx.Done():
		return context.Cause(p.ctx)
	}
}

// topUp starts spares until p.want are starting or ready, once the first
// driver's hello line told how many are wanted; p.mu is held.
func (p *Pool) topUp() {
	for p.known && len(p.spares) < p.want {
		p.prestart()
	}
}

// wrap makes d's current lock a target of the pool.
func (p *Pool) wrap(d *Driver) *pooled {
	d.mu.Lock()
	g := d.gen
	d.mu.Unlock()
	return &pooled{Driver: d, pool: p, g: g}
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
	spares, idle := p.spares, p.idle
	p.spares, p.idle = nil, nil
	p.mu.Unlock()
	for _, d := range idle {
		_ = d.Close()
	}
	for _, s := range spares {
		if <-s.ready; s.d != nil {
			_ = s.d.Close()
		}
	}
	p.wg.Wait()
	return nil
}

// pooled is one lock of a driver of the pool, the target of one run. Its
// Close resets the driver for the next run when it can; otherwise it
// returns once operations have ended and the driver's stdin is closed, and
// the rest of the shutdown happens in the background.
type pooled struct {
	*Driver
	pool *Pool
	g    *generation
	once sync.Once
}

// Client returns client id's handle on this run's lock.
func (t *pooled) Client(id int) sim.Lock { return t.clientOf(t.g, id) }

func (t *pooled) Close() error {
	t.once.Do(func() {
		if t.CanReset() && t.Reset() == nil {
			t.pool.mu.Lock()
			if !t.pool.closed {
				t.pool.idle = append(t.pool.idle, t.Driver)
				t.pool.mu.Unlock()
				return
			}
			t.pool.mu.Unlock()
		}
		if t.CanReset() {
			// This run could not reuse its driver; others may not either:
			// have the next driver start now, and keep one spare.
			t.pool.mu.Lock()
			if !t.pool.closed {
				t.pool.want = max(t.pool.want, 1)
				t.pool.topUp()
			}
			t.pool.mu.Unlock()
		}
		t.beginClose()
		t.pool.wg.Add(1)
		go func() {
			defer t.pool.wg.Done()
			t.finishClose()
		}()
	})
	return nil
}

// Err reports how the driver misbehaved during this run, or over the
// reset that ended it.
func (t *pooled) Err() error {
	err := t.errOf(t.g)
	if err != nil {
		t.pool.note(err)
	}
	return err
}
