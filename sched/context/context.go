package context

import (
	"context"
	"sync"
	"time"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Context is context.Context.
type Context = context.Context

// CancelFunc is context.CancelFunc.
type CancelFunc = context.CancelFunc

// CancelCauseFunc is context.CancelCauseFunc.
type CancelCauseFunc = context.CancelCauseFunc

// Canceled is context.Canceled (the same error value).
var Canceled = context.Canceled

// DeadlineExceeded is context.DeadlineExceeded (the same error value).
var DeadlineExceeded = context.DeadlineExceeded

// Background is context.Background.
func Background() Context { return context.Background() }

// TODO is context.TODO.
func TODO() Context { return context.TODO() }

// WithValue is context.WithValue.
func WithValue(parent Context, key, val any) Context { return context.WithValue(parent, key, val) }

// WithoutCancel is context.WithoutCancel.
func WithoutCancel(parent Context) Context { return context.WithoutCancel(parent) }

// ctxKey is the key under which a *cancelCtx returns itself from Value.
var ctxKey int

// cancelCtx is a cancelable context created in a run: its cancellation
// is a scheduling point and closes Done (goroutines waiting on it then see
// it closed), its deadline is on virtual time.
type cancelCtx struct {
	parent   Context
	deadline time.Time
	hasDL    bool

	mu       sync.Mutex
	done     chan struct{}
	err      error
	cause    error
	children map[*cancelCtx]struct{}
	afters   map[*afterFunc]struct{}
	timer    *core.Timer
}

type afterFunc struct {
	f    func()
	once sync.Once
	ran  bool
}

// Deadline implements Context.
func (c *cancelCtx) Deadline() (time.Time, bool) {
	if c.hasDL {
		return c.deadline, true
	}
	return c.parent.Deadline()
}

// Done implements Context.
func (c *cancelCtx) Done() <-chan struct{} { return c.done }

// Err implements Context.
func (c *cancelCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value implements Context.
func (c *cancelCtx) Value(key any) any {
	if key == &ctxKey {
		return c
	}
	return c.parent.Value(key)
}

// String implements Context.
func (c *cancelCtx) String() string { return "sched/context.cancelCtx" }

// cancel cancels c and its children with err and cause (the first
// cancellation wins), and starts its AfterFunc functions. g is the calling
// managed goroutine or nil.
func (c *cancelCtx) cancel(g *core.G, err, cause error) {
	if cause == nil {
		cause = err
	}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err, c.cause = err, cause
	close(c.done)
	children, afters, t := c.children, c.afters, c.timer
	c.children, c.afters, c.timer = nil, nil, nil
	c.mu.Unlock()
	if t != nil {
		t.Stop()
	}
	for child := range children {
		child.cancel(g, err, cause)
	}
	for a := range afters {
		a.start(g)
	}
}

func (a *afterFunc) start(g *core.G) {
	a.once.Do(func() {
		a.ran = true
		if g != nil {
			g.Go(a.f)
		} else {
			go a.f()
		}
	})
}

// parentCtx returns the *cancelCtx of parent's chain whose Done is
// parent.Done(), as context does for its own contexts.
func parentCtx(parent Context) *cancelCtx {
	done := parent.Done()
	if done == nil {
		return nil
	}
	p, ok := parent.Value(&ctxKey).(*cancelCtx)
	if !ok || p.done != done {
		return nil
	}
	return p
}

// newCancelCtx creates a cancelable child of parent, in the run of g.
func newCancelCtx(g *core.G, parent Context) *cancelCtx {
	if parent == nil {
		panic("cannot create context from nil parent")
	}
	c := &cancelCtx{parent: parent, done: make(chan struct{})}
	if p := parentCtx(parent); p != nil {
		p.mu.Lock()
		if p.err != nil {
			err, cause := p.err, p.cause
			p.mu.Unlock()
			c.cancel(nil, err, cause)
			return c
		}
		if p.children == nil {
			p.children = map[*cancelCtx]struct{}{}
		}
		p.children[c] = struct{}{}
		p.mu.Unlock()
		return c
	}
	pd := parent.Done()
	if pd == nil {
		return c
	}
	if parent.Err() != nil {
		c.cancel(nil, parent.Err(), context.Cause(parent))
		return c
	}
	// A parent this package did not create (a context of the standard
	// library): a helper goroutine of the run waits for either to be done.
	g.GoDaemon(func() {
		switch sched.Select(false, sched.OnRecv(pd), sched.OnRecv((<-chan struct{})(c.done))) {
		case 0:
			c.cancel(core.Me(), parent.Err(), context.Cause(parent))
		}
	})
	return c
}

func (c *cancelCtx) cancelFunc(err error) func(cause error) {
	return func(cause error) {
		g := core.Me()
		if g != nil {
			g.Yield("context cancel")
		}
		c.cancel(g, err, cause)
	}
}

// WithCancel is context.WithCancel; in a run (called from a managed
// goroutine) cancel is a scheduling point and Done is observed by the
// scheduler.
func WithCancel(parent Context) (ctx Context, cancel CancelFunc) {
	g := core.Me()
	if g == nil {
		return context.WithCancel(parent)
	}
	c := newCancelCtx(g, parent)
	f := c.cancelFunc(Canceled)
	return c, func() { f(nil) }
}

// WithCancelCause is context.WithCancelCause, in a run as WithCancel.
func WithCancelCause(parent Context) (ctx Context, cancel CancelCauseFunc) {
	g := core.Me()
	if g == nil {
		return context.WithCancelCause(parent)
	}
	c := newCancelCtx(g, parent)
	return c, c.cancelFunc(Canceled)
}

// WithDeadline is context.WithDeadline; in a run the deadline is on
// virtual time.
func WithDeadline(parent Context, d time.Time) (Context, CancelFunc) {
	return WithDeadlineCause(parent, d, nil)
}

// WithDeadlineCause is context.WithDeadlineCause; in a run the deadline is
// on virtual time.
func WithDeadlineCause(parent Context, d time.Time, cause error) (Context, CancelFunc) {
	g := core.Me()
	if g == nil {
		return context.WithDeadlineCause(parent, d, cause)
	}
	if cur, ok := parent.Deadline(); ok && cur.Before(d) {
		return WithCancel(parent)
	}
	c := newCancelCtx(g, parent)
	c.deadline, c.hasDL = d, true
	f := c.cancelFunc(Canceled)
	dur := d.Sub(g.Now())
	if dur <= 0 {
		c.cancel(g, DeadlineExceeded, cause)
		return c, func() { f(nil) }
	}
	c.mu.Lock()
	if c.err == nil {
		c.timer = g.NewTimer(dur, func(_ time.Time, spawn func(func())) {
			spawn(func() {
				g := core.Me()
				if g != nil {
					g.Yield("context deadline")
				}
				c.cancel(g, DeadlineExceeded, cause)
			})
		})
	}
	c.mu.Unlock()
	return c, func() { f(nil) }
}

// WithTimeout is WithDeadline(parent, Now().Add(timeout)) (virtual time in
// a run).
func WithTimeout(parent Context, timeout time.Duration) (Context, CancelFunc) {
	return WithTimeoutCause(parent, timeout, nil)
}

// WithTimeoutCause is WithDeadlineCause(parent, Now().Add(timeout), cause).
func WithTimeoutCause(parent Context, timeout time.Duration, cause error) (Context, CancelFunc) {
	g := core.Me()
	if g == nil {
		return context.WithTimeoutCause(parent, timeout, cause)
	}
	return WithDeadlineCause(parent, g.Now().Add(timeout), cause)
}

// Cause is context.Cause, also for the contexts this package creates in a
// run.
func Cause(c Context) error {
	if cc, ok := c.Value(&ctxKey).(*cancelCtx); ok && cc.done == c.Done() {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		return cc.cause
	}
	return context.Cause(c)
}

// AfterFunc is context.AfterFunc: f runs in its own goroutine (managed in
// a run) once ctx is done; stop reports whether it stopped f from running.
func AfterFunc(ctx Context, f func()) (stop func() bool) {
	g := core.Me()
	c := parentCtx(ctx)
	if c == nil {
		if g == nil || ctx.Done() == nil {
			return context.AfterFunc(ctx, f)
		}
		// A context this package did not create, in a run: a helper goroutine.
		a := &afterFunc{f: f}
		stopc := make(chan struct{})
		done := ctx.Done()
		g.GoDaemon(func() {
			if sched.Select(false, sched.OnRecv(done), sched.OnRecv((<-chan struct{})(stopc))) == 0 {
				me := core.Me()
				if me != nil {
					me.Undaemon()
				}
				a.once.Do(func() { a.ran = true })
				if a.ran {
					f()
				}
			}
		})
		return func() bool {
			stopped := false
			a.once.Do(func() { stopped = true })
			if stopped {
				close(stopc)
			}
			return stopped
		}
	}
	a := &afterFunc{f: f}
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		a.start(g)
	} else {
		if c.afters == nil {
			c.afters = map[*afterFunc]struct{}{}
		}
		c.afters[a] = struct{}{}
		c.mu.Unlock()
	}
	return func() bool {
		stopped := false
		a.once.Do(func() { stopped = true })
		if stopped {
			c.mu.Lock()
			delete(c.afters, a)
			c.mu.Unlock()
		}
		return stopped
	}
}
