package core

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Case is one case of a select, built by OnRecv or OnSend. The interface is
// sealed: its methods are unexported.
type Case interface {
	key() uintptr // the channel's identity; 0 for a nil channel
	isSend() bool
	length() int
	capacity() int
	// tryRecv receives without blocking; ok false: nothing to receive.
	tryRecv() (ok bool)
	// trySend sends without blocking; closed: the channel is closed (the
	// send would panic, nothing was sent).
	trySend() (ok, closed bool)
	// handoff moves a send case's value into a receive case of the same channel.
	handoff(to Case)
	reflectCase() reflect.SelectCase
	setReflect(v reflect.Value, ok bool)
	describe() string
	valueString() string
}

func chanKey(p unsafe.Pointer) uintptr { return uintptr(p) }

// RecvCase is a receive case; V and OK are set when it is chosen.
type RecvCase[T any] struct {
	V  T
	OK bool
	ch <-chan T
}

// OnRecv builds a receive case on ch.
func OnRecv[T any](ch <-chan T) *RecvCase[T] { return &RecvCase[T]{ch: ch} }

func (c *RecvCase[T]) key() uintptr  { return chanKey(*(*unsafe.Pointer)(unsafe.Pointer(&c.ch))) }
func (c *RecvCase[T]) isSend() bool  { return false }
func (c *RecvCase[T]) length() int   { return len(c.ch) }
func (c *RecvCase[T]) capacity() int { return cap(c.ch) }
func (c *RecvCase[T]) tryRecv() bool {
	select {
	case v, ok := <-c.ch:
		c.V, c.OK = v, ok
		return true
	default:
		return false
	}
}
func (c *RecvCase[T]) trySend() (bool, bool) { return false, false }
func (c *RecvCase[T]) handoff(Case)          {}
func (c *RecvCase[T]) reflectCase() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.ch)}
}
func (c *RecvCase[T]) setReflect(v reflect.Value, ok bool) {
	c.OK = ok
	if ok {
		c.V = v.Interface().(T)
	} else {
		var zero T
		c.V = zero
	}
}
func (c *RecvCase[T]) describe() string { return "chan receive" }
func (c *RecvCase[T]) valueString() string {
	if !c.OK {
		return "closed"
	}
	return clip(fmt.Sprint(c.V))
}

// Recv performs c alone (<-ch) for an unmanaged goroutine.
func (c *RecvCase[T]) Recv() { c.V, c.OK = <-c.ch }

// SendCase is a send case.
type SendCase[T any] struct {
	ch chan<- T
	v  T
}

// OnSend builds a send case of v on ch.
func OnSend[T any](ch chan<- T, v T) *SendCase[T] { return &SendCase[T]{ch: ch, v: v} }

func (c *SendCase[T]) key() uintptr  { return chanKey(*(*unsafe.Pointer)(unsafe.Pointer(&c.ch))) }
func (c *SendCase[T]) isSend() bool  { return true }
func (c *SendCase[T]) length() int   { return len(c.ch) }
func (c *SendCase[T]) capacity() int { return cap(c.ch) }
func (c *SendCase[T]) tryRecv() bool { return false }
func (c *SendCase[T]) trySend() (ok, closed bool) {
	defer func() {
		if recover() != nil {
			ok, closed = false, true
		}
	}()
	select {
	case c.ch <- c.v:
		return true, false
	default:
		return false, false
	}
}
func (c *SendCase[T]) handoff(to Case) {
	rc := to.(*RecvCase[T])
	rc.V, rc.OK = c.v, true
}
func (c *SendCase[T]) reflectCase() reflect.SelectCase {
	return reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(c.ch), Send: reflect.ValueOf(&c.v).Elem()}
}
func (c *SendCase[T]) setReflect(reflect.Value, bool) {}
func (c *SendCase[T]) describe() string               { return "chan send" }
func (c *SendCase[T]) valueString() string            { return clip(fmt.Sprint(c.v)) }

// Send performs c alone (ch <- v), for an unmanaged goroutine or to panic
// on a closed channel.
func (c *SendCase[T]) Send() { c.ch <- c.v }

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Select performs a select (or a single send or receive: one case, no
// default) and returns the index of the case that proceeded, -1 for the
// default. g nil: the real operation (reflect.Select).
func Select(g *G, op string, hasDefault bool, cases ...Case) int {
	if g != nil {
		if i, ok := g.selectManaged(op, hasDefault, cases); ok {
			return i
		}
	}
	return realSelect(hasDefault, cases)
}

func realSelect(hasDefault bool, cases []Case) int {
	if len(cases) == 1 && !hasDefault {
		switch c := cases[0].(type) {
		case interface{ Recv() }:
			c.Recv()
			return 0
		case interface{ Send() }:
			c.Send()
			return 0
		}
	}
	rc := make([]reflect.SelectCase, 0, len(cases)+1)
	for _, c := range cases {
		rc = append(rc, c.reflectCase())
	}
	if hasDefault {
		rc = append(rc, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	i, v, ok := reflect.Select(rc)
	if i == len(cases) {
		return -1
	}
	cases[i].setReflect(v, ok)
	return i
}

// selectManaged is Select in a run; ok false: the run is over.
func (g *G) selectManaged(op string, hasDefault bool, cases []Case) (int, bool) {
	for {
		p := &pending{op: op, chanOp: true, cases: cases, hasDefault: hasDefault, pcs: callers(), chosen: -1}
		if !g.point(p) {
			return 0, false
		}
		if p.retry {
			continue
		}
		if p.panicSend {
			cases[p.chosen].(interface{ Send() }).Send() // panics: send on closed channel
		}
		if p.chosen < 0 {
			var key uintptr
			if len(cases) > 0 {
				key = cases[0].key()
			}
			g.Observe("select default", key, 0)
		}
		return p.chosen, true
	}
}

// chanReady evaluates the cases of p for g, filling p.ready; a case that
// completes with the environment (a value from an unmanaged sender, a
// send taken by an unmanaged receiver) completes p at once. Called with
// r.mu held.
func (r *run) chanReady(g *G, p *pending) bool {
	p.ready = p.ready[:0]
	for i, c := range p.cases {
		k := c.key()
		if k == 0 {
			continue // a nil channel never proceeds
		}
		if c.isSend() {
			if c.capacity() > 0 && c.length() < c.capacity() {
				p.ready = append(p.ready, readyCase{i: i, how: howBuffer})
				continue
			}
			ok, closed := c.trySend()
			if closed {
				p.ready = append(p.ready, readyCase{i: i, how: howClosedSend})
				continue
			}
			if ok {
				p.completed, p.chosen = true, i
				p.value = c.valueString()
				return true
			}
		} else {
			if c.length() > 0 {
				p.ready = append(p.ready, readyCase{i: i, how: howBuffer})
				continue
			}
			if c.tryRecv() {
				if !c.(interface{ closedRecv() bool }).closedRecv() {
					p.completed, p.chosen = true, i
					p.value = c.valueString()
					return true
				}
				p.ready = append(p.ready, readyCase{i: i, how: howClosedRecv})
				continue
			}
		}
		if c.capacity() == 0 {
			if h, j := r.partner(g, c); h != nil {
				p.ready = append(p.ready, readyCase{i: i, how: howPartner, partner: h, pj: j})
			}
		}
	}
	return len(p.ready) > 0 || p.hasDefault
}

func (c *RecvCase[T]) closedRecv() bool { return !c.OK }
func (c *SendCase[T]) closedRecv() bool { return false }

// partner finds the goroutine that has waited longest with an operation
// on c's channel in the other direction (a select without default), for a
// direct hand-over on an unbuffered channel. Called with r.mu held.
func (r *run) partner(g *G, c Case) (*G, int) {
	var best *G
	bj := 0
	for _, h := range r.gs {
		if h == g || h.done || h.pend == nil || !h.pend.chanOp || h.pend.completed || h.pend.hasDefault {
			continue
		}
		for j, d := range h.pend.cases {
			if d.key() == c.key() && d.isSend() != c.isSend() {
				if best == nil || h.pend.seq < best.pend.seq {
					best, bj = h, j
				}
				break
			}
		}
	}
	return best, bj
}

// performChan chooses the case of p (chosen to run) and performs it.
// Called with r.mu held.
func (r *run) performChan(step int, g *G, p *pending) {
	if len(p.ready) == 0 {
		p.chosen, p.completed = -1, true
		return
	}
	idx := make([]int, len(p.ready))
	for i, rc := range p.ready {
		idx[i] = rc.i
	}
	ci := p.ready[0].i
	if s := r.cfg.Strategy; s != nil && len(idx) > 1 {
		ci = s.PickCase(step, g.id, idx)
	}
	var rc readyCase
	for _, x := range p.ready {
		if x.i == ci {
			rc = x
		}
	}
	ci = rc.i
	if ci != p.ready[0].i {
		r.out.Choices = append(r.out.Choices, Choice{Step: step, Case: true, N: ci})
	}
	c := p.cases[ci]
	p.chosen = ci
	switch rc.how {
	case howBuffer:
		if c.isSend() {
			ok, closed := c.trySend()
			if closed {
				p.panicSend = true
			} else if !ok {
				p.retry = true
				return
			}
		} else if !c.tryRecv() {
			p.retry = true
			return
		}
	case howClosedSend:
		p.panicSend = true
	case howClosedRecv:
	case howPartner:
		hp := rc.partner.pend
		d := hp.cases[rc.pj]
		if c.isSend() {
			c.handoff(d)
		} else {
			d.handoff(c)
		}
		hp.completed, hp.chosen = true, rc.pj
	}
	p.completed = true
	if r.cfg.Trace {
		switch {
		case p.panicSend:
			p.value = "closed (panic)"
		default:
			p.value = c.valueString()
		}
	}
}
