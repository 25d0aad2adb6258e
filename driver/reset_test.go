package driver_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/driver"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
)

// waitFor polls cond until it holds, failing the test after 30s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockAcquire starts client id's blocking acquire on target and returns
// once the request is outstanding; the channel is closed when it returns.
func blockAcquire(t *testing.T, target sim.Target, id int) <-chan struct{} {
	t.Helper()
	n := driver.Outstanding(target)
	done := make(chan struct{})
	go func() { defer close(done); target.Client(id).Acquire() }()
	waitFor(t, "the acquire to be sent", func() bool { return driver.Outstanding(target) > n })
	return done
}

// TestReset: a reset gives a fresh lock; the old handles are dead, the new
// ones work, and resets are numbered.
func TestReset(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("reset")
	d, err := start(t, argv, env, driver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !d.CanReset() {
		t.Fatal("CanReset = false for a driver that offers reset")
	}
	for _, k := range d.Ops() {
		if k == model.Kind(0) || k.String() == "reset" {
			t.Errorf("Ops lists %v", k)
		}
	}
	for i := range 3 {
		old := d.Client(0)
		if !old.TryAcquire() {
			t.Fatalf("reset %d: the fresh lock is held", i)
		}
		if err := d.Reset(); err != nil {
			t.Fatalf("reset %d: %v", i, err)
		}
		if old.TryAcquire() {
			t.Errorf("reset %d: a handle of the old lock still works", i)
		}
		if err := old.Release(); err == nil || errors.Is(err, driver.ErrNotLocked) {
			t.Errorf("reset %d: old handle's Release = %v, want the closed-driver error", i, err)
		}
	}
	if err := d.Client(0).Release(); !errors.Is(err, driver.ErrNotLocked) {
		t.Errorf("Release on the fresh lock = %v, want ErrNotLocked", err)
	}
	d.Close()
	if err := d.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
}

// TestResetBusy: no reset while a request is unanswered.
func TestResetBusy(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("reset")
	d, err := start(t, argv, env, driver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Client(0).Acquire()
	done := blockAcquire(t, d, 1)
	if err := d.Reset(); !errors.Is(err, driver.ErrBusy) {
		t.Fatalf("Reset with client 1 blocked = %v, want ErrBusy", err)
	}
	if err := d.Client(0).Release(); err != nil {
		t.Fatal(err)
	}
	<-done // the old lock still works: client 1 got it
	if err := d.Reset(); err != nil {
		t.Fatalf("Reset once every request was answered: %v", err)
	}
}

func TestResetErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode      string
		want      error            // a sentinel, or nil for a *driver.Error
		kind      driver.ErrorKind // with want == nil
		fragments []string
	}{
		{"good", driver.ErrNoReset, "", nil},
		{"reset-wrong", nil, driver.Protocol, []string{`answered "reset 2", but reset 1 was outstanding`}},
		{"reset-silent", nil, driver.NoAnswer, []string{"reset 1 got no answer within 200ms"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			argv, env := fakeArgv(tc.mode)
			d, err := start(t, argv, env, driver.Options{AnswerTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			d.Client(0).TryAcquire()
			err = d.Reset()
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("Reset = %v, want %v", err, tc.want)
				}
				return
			}
			e := wantKind(t, err, tc.kind, tc.fragments...)
			if e.Sent[0] != 1 || e.Answered[0] != 1 {
				t.Errorf("Sent, Answered = %v, %v: want the old lock's counts", e.Sent, e.Answered)
			}
			wantKind(t, d.Err(), tc.kind, tc.fragments...)
		})
	}
	t.Run("reset-unasked", func(t *testing.T) {
		t.Parallel()
		argv, env := fakeArgv("reset-unasked")
		d, err := start(t, argv, env, driver.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d.Client(0).TryAcquire()
		waitFor(t, "the driver to break", func() bool { return d.Err() != nil })
		wantKind(t, d.Err(), driver.Protocol, `answered "reset 1", but no reset was outstanding`)
		if err := d.Reset(); err == nil {
			t.Error("Reset of a broken driver succeeded")
		}
	})
}

// TestPoolReuse: a pool reuses a driver that offers reset, with a fresh
// lock each time, but not one whose run left a request unanswered.
func TestPoolReuse(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("reset")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
	pid := func(tg sim.Target) int { return tg.(interface{ Pid() int }).Pid() }
	errOf := func(tg sim.Target) error { return tg.(interface{ Err() error }).Err() }
	var first int
	for i := range 5 {
		tg, err := p.Target()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = pid(tg)
		} else if pid(tg) != first {
			t.Errorf("run %d: pid %d, want the first driver %d reused", i, pid(tg), first)
		}
		if !tg.Client(0).TryAcquire() {
			t.Errorf("run %d: the lock is held at the start", i)
		}
		tg.Close()
		if err := errOf(tg); err != nil {
			t.Error(err)
		}
	}
	// A run that leaves a client blocked in the lock: its driver is closed.
	tg, err := p.Target()
	if err != nil {
		t.Fatal(err)
	}
	tg.Client(0).Acquire()
	done := blockAcquire(t, tg, 1)
	tg.Close()
	<-done
	if err := errOf(tg); err != nil {
		t.Errorf("Err after closing a run with a blocked acquire = %v", err)
	}
	tg, err = p.Target()
	if err != nil {
		t.Fatal(err)
	}
	second := pid(tg)
	if second == first {
		t.Errorf("a driver with a client blocked in its lock was reused")
	}
	if !tg.Client(0).TryAcquire() {
		t.Errorf("the new driver's lock is held at the start")
	}
	tg.Close()
	p.Close()
	for _, pid := range []int{first, second} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("driver %d still exists after the pool's Close (kill 0: %v)", pid, err)
		}
	}
}

// TestPoolResetFails: a reset that breaks the protocol is the error of the
// run that ended with it, and the driver is not reused.
func TestPoolResetFails(t *testing.T) {
	t.Parallel()
	argv, env := fakeArgv("reset-wrong")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
	defer p.Close()
	tg, err := p.Target()
	if err != nil {
		t.Fatal(err)
	}
	tg.Client(0).TryAcquire()
	tg.Close()
	wantKind(t, tg.(interface{ Err() error }).Err(), driver.Protocol, "reset 1 was outstanding")
	if e := p.LastErr(); e == nil || e.Kind != driver.Protocol {
		t.Errorf("LastErr = %v, want the reset's protocol error", e)
	}
	next, err := p.Target()
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if next.(interface{ Pid() int }).Pid() == tg.(interface{ Pid() int }).Pid() {
		t.Error("a driver whose reset failed was reused")
	}
}

// TestHarnessFakeReset runs the harness on the fake correct driver with
// reset: it passes, and one process serves every run.
func TestHarnessFakeReset(t *testing.T) {
	argv, env := fakeArgv("reset")
	p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
	defer p.Close()
	pids := map[int]bool{}
	newTarget := func() (sim.Target, error) {
		tg, err := p.Target()
		if err == nil {
			pids[tg.(interface{ Pid() int }).Pid()] = true
		}
		return tg, err
	}
	rep, err := sim.Run(newTarget, sim.WithDuration(2*time.Second), sim.WithShrinkTime(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d histories, %d operations in %v, %d processes", rep.Histories, rep.Operations, rep.Elapsed, len(pids))
	if rep.Failure != nil {
		t.Fatal(rep.Failure.Error())
	}
	if rep.Histories < 2 || len(pids) != 1 {
		t.Fatalf("%d histories in %d processes, want one process for them all", rep.Histories, len(pids))
	}
}

func TestPoolReady(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode string
		kind driver.ErrorKind // "" if the driver starts
	}{
		{"reset", ""},
		{"good", ""},
		{"hello-v2", driver.Protocol},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			argv, env := fakeArgv(tc.mode)
			p := driver.NewPool(context.Background(), argv, driver.Options{Env: env}, 0)
			defer p.Close()
			err := p.Ready()
			_, terr := p.Target()
			if tc.kind != "" {
				wantKind(t, err, tc.kind)
				wantKind(t, terr, tc.kind)
				return
			}
			if err != nil || terr != nil {
				t.Fatalf("Ready = %v, Target = %v", err, terr)
			}
		})
	}
}
