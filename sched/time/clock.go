package time

import (
	"time"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Now returns the current time; in a run, called from a managed goroutine
// (or from the run's Options.Idle), the virtual time: the same instant
// (2000-01-01 00:00:00 UTC) at the start of every run, moving only when
// the scheduler advances it.
func Now() Time {
	if t, ok := core.Now(); ok {
		return t
	}
	return time.Now()
}

// Since returns the time elapsed since t (Now().Sub(t)).
func Since(t Time) Duration { return Now().Sub(t) }

// Until returns the duration until t (t.Sub(Now())).
func Until(t Time) Duration { return t.Sub(Now()) }

// Sleep pauses the goroutine for at least d; in a run it blocks (modelled)
// until virtual time has advanced by d.
func Sleep(d Duration) {
	if g := core.Me(); g != nil {
		g.Sleep(d)
		return
	}
	time.Sleep(d)
}

// Timer is time.Timer; created in a run, it runs on virtual time. As since
// Go 1.23, after Stop or Reset returns no stale value is received from C.
type Timer struct {
	// C delivers the time at which the timer fired (nil for AfterFunc).
	C <-chan Time

	real *time.Timer
	vt   *core.Timer
	c    chan Time
}

// NewTimer creates a Timer that sends the current time on its channel after
// at least d.
func NewTimer(d Duration) *Timer {
	g := core.Me()
	if g == nil {
		t := time.NewTimer(d)
		return &Timer{C: t.C, real: t}
	}
	g.Yield("time.NewTimer")
	c := make(chan Time, 1)
	t := &Timer{C: c, c: c}
	t.vt = g.NewTimer(d, func(now time.Time, _ func(func())) {
		select {
		case c <- now:
		default:
		}
	})
	return t
}

// AfterFunc waits for d and then calls f in its own goroutine (a managed
// goroutine in a run). The Timer's Stop cancels the call.
func AfterFunc(d Duration, f func()) *Timer {
	g := core.Me()
	if g == nil {
		return &Timer{real: time.AfterFunc(d, f)}
	}
	g.Yield("time.AfterFunc")
	t := &Timer{}
	t.vt = g.NewTimer(d, func(_ time.Time, spawn func(func())) { spawn(f) })
	return t
}

func (t *Timer) drain() {
	if t.c != nil {
		select {
		case <-t.c:
		default:
		}
	}
}

// Stop prevents the Timer from firing; it reports whether the call stopped
// it (false if it had already fired or been stopped).
func (t *Timer) Stop() bool {
	if t.real != nil {
		return t.real.Stop()
	}
	if g := core.Me(); g != nil {
		g.Yield("time.Timer.Stop")
	}
	ok := t.vt.Stop()
	t.drain()
	return ok
}

// Reset changes the timer to expire after d; it reports whether the timer
// had been active.
func (t *Timer) Reset(d Duration) bool {
	if t.real != nil {
		return t.real.Reset(d)
	}
	if g := core.Me(); g != nil {
		g.Yield("time.Timer.Reset")
	}
	t.drain()
	return t.vt.Reset(d)
}

// After waits for d and then sends the current time on the returned
// channel (NewTimer(d).C).
func After(d Duration) <-chan Time { return NewTimer(d).C }

// Ticker is time.Ticker; created in a run, it ticks on virtual time
// (dropping ticks for slow receivers, as time.Ticker does).
type Ticker struct {
	// C delivers the ticks.
	C <-chan Time

	real   *time.Ticker
	vt     *core.Timer
	c      chan Time
	period Duration
}

// NewTicker returns a Ticker sending the time on its channel every d; it
// panics if d <= 0.
func NewTicker(d Duration) *Ticker {
	if d <= 0 {
		panic("non-positive interval for NewTicker")
	}
	g := core.Me()
	if g == nil {
		t := time.NewTicker(d)
		return &Ticker{C: t.C, real: t}
	}
	g.Yield("time.NewTicker")
	c := make(chan Time, 1)
	t := &Ticker{C: c, c: c, period: d}
	t.vt = g.NewTimer(d, t.tick)
	return t
}

func (t *Ticker) tick(now time.Time, _ func(func())) {
	select {
	case t.c <- now:
	default:
	}
	t.vt.Rearm(t.period)
}

// Stop turns off the ticker.
func (t *Ticker) Stop() {
	if t.real != nil {
		t.real.Stop()
		return
	}
	if g := core.Me(); g != nil {
		g.Yield("time.Ticker.Stop")
	}
	t.vt.Stop()
}

// Reset stops the ticker and resets its period to d; it panics if d <= 0.
func (t *Ticker) Reset(d Duration) {
	if d <= 0 {
		panic("non-positive interval for Ticker.Reset")
	}
	if t.real != nil {
		t.real.Reset(d)
		return
	}
	if g := core.Me(); g != nil {
		g.Yield("time.Ticker.Reset")
	}
	t.period = d
	t.vt.Reset(d)
}

// Tick is NewTicker(d).C, or nil if d <= 0.
func Tick(d Duration) <-chan Time {
	if d <= 0 {
		return nil
	}
	return NewTicker(d).C
}
