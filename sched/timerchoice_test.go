package sched_test

import (
	"regexp"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
	"github.com/lockcheck/lockcheck/sched/time"
)

// timerRace is a goroutine racing a timer: it sets an hour's timer, takes
// a few steps, and stops it. Stop reports false (the timer won) only if
// virtual time advanced while the goroutine could still run: a timer
// choice.
func timerRace(won *bool) func() {
	return func() {
		var n int32
		tm := time.NewTimer(time.Hour)
		for i := 0; i < 3; i++ {
			atomic.AddInt32(&n, 1)
		}
		*won = !tm.Stop()
	}
}

// TestTimerRace: the default rule never fires the timer while the
// goroutine can run; PCT and Random, at fixed seeds, explore both outcomes
// (deterministically: the same seed gives the same outcome).
func TestTimerRace(t *testing.T) {
	var won bool
	ok(t, sched.Run(sched.Options{}, timerRace(&won)))
	if won {
		t.Fatal("default rule: the timer fired while the goroutine could run")
	}
	for _, tc := range []struct {
		name string
		mk   func(seed uint64) sched.Strategy
	}{
		{"PCT", func(seed uint64) sched.Strategy { return sched.PCT(seed, 2) }},
		{"Random", func(seed uint64) sched.Strategy { return sched.Random(seed) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[bool]int{}
			for seed := uint64(0); seed < 20; seed++ {
				var w1, w2 bool
				ok(t, sched.Run(sched.Options{Strategy: tc.mk(seed)}, timerRace(&w1)))
				ok(t, sched.Run(sched.Options{Strategy: tc.mk(seed)}, timerRace(&w2)))
				if w1 != w2 {
					t.Fatalf("seed %d: outcomes %v then %v", seed, w1, w2)
				}
				seen[w1]++
			}
			if seen[true] == 0 || seen[false] == 0 {
				t.Fatalf("outcomes over 20 seeds: %v, want both", seen)
			}
			t.Logf("the timer won at %d of 20 seeds", seen[true])
		})
	}
}

// firstTimerWin runs seeds of Random until the timer wins, and returns that
// run (with a trace).
func firstTimerWin(t *testing.T) *sched.Result {
	t.Helper()
	for seed := uint64(0); seed < 100; seed++ {
		var won bool
		res := sched.Run(sched.Options{Strategy: sched.Random(seed), Trace: true}, timerRace(&won))
		if won {
			return res
		}
	}
	t.Fatal("the timer never won in 100 seeds")
	return nil
}

var timerChoice = regexp.MustCompile(`-\d+t(-|$)`)

// TestTimerChoiceReplay: a schedule with a timer choice reads back from its
// text and replays to the same result, trace included (the timer's step
// is an event of the pseudo-goroutine TimerG, at the timer's time).
func TestTimerChoiceReplay(t *testing.T) {
	res := firstTimerWin(t)
	text := res.Schedule.String()
	if !timerChoice.MatchString(text) {
		t.Fatalf("schedule %s has no timer choice", text)
	}
	timerEvents := 0
	for _, e := range res.Trace {
		if e.G == sched.TimerG {
			timerEvents++
			if e.Time != stdHour {
				t.Fatalf("timer event at %v", e.Time)
			}
		}
	}
	if timerEvents != 1 {
		t.Fatalf("%d timer events in %+v", timerEvents, res.Trace)
	}
	s, err := sched.ParseSchedule(text)
	if err != nil {
		t.Fatal(err)
	}
	var won bool
	again := sched.Run(sched.Options{Strategy: sched.Replay(s), Trace: true}, timerRace(&won))
	if !won || again.Schedule.String() != text || again.Steps != res.Steps || len(again.Trace) != len(res.Trace) {
		t.Fatalf("replay: won %v, %s (%d steps), want %s (%d steps)", won, again.Schedule, again.Steps, text, res.Steps)
	}
	for i := range res.Trace {
		if res.Trace[i] != again.Trace[i] {
			t.Fatalf("step %d: %+v, want %+v", i, again.Trace[i], res.Trace[i])
		}
	}
}

const stdHour = 3600 * 1e9

// TestMinimizeKeepsTimerChoice: minimisation of a failing schedule (the
// timer won) with extra choices keeps exactly the timer choice, which the
// failure needs.
func TestMinimizeKeepsTimerChoice(t *testing.T) {
	// Two goroutines racing their own timers, under Random: collect a run
	// where the first one's timer won, with more choices than needed.
	var won [2]bool
	gs := func() []func() { return []func(){timerRace(&won[0]), timerRace(&won[1])} }
	fails := func(s sched.Schedule) bool {
		won = [2]bool{}
		sched.Run(sched.Options{Strategy: sched.Replay(s)}, gs()...)
		return won[0]
	}
	var found sched.Schedule
	for seed := uint64(0); seed < 200; seed++ {
		won = [2]bool{}
		res := sched.Run(sched.Options{Strategy: sched.Random(seed)}, gs()...)
		if won[0] && res.Schedule.Preemptions() >= 3 {
			found = res.Schedule
			break
		}
	}
	if found.Preemptions() == 0 {
		t.Fatal("no failing run with 3 choices or more in 200 seeds")
	}
	min := sched.Minimize(found, fails)
	if min.Preemptions() != 1 || !timerChoice.MatchString(min.String()) || !fails(min) {
		t.Fatalf("minimised %s to %s, want one timer choice", found, min)
	}
}

// TestExploreTimerChoice: the timer choice costs one preemption in
// sched.Explore with Timers: bound 0 never fires the timer early, bound 1
// finds it; without Timers, time moves only when nothing can run.
func TestExploreTimerChoice(t *testing.T) {
	for _, tc := range []struct {
		bound   int
		stopped bool
	}{{0, false}, {1, true}} {
		var last sched.Schedule
		st := sched.Explore(sched.ExploreOptions{Bound: tc.bound, Timers: true}, func(s sched.Strategy) bool {
			var won bool
			last = sched.Run(sched.Options{Strategy: s}, timerRace(&won)).Schedule
			return won
		})
		if st.Stopped != tc.stopped || st.Stopped && (st.Preemptions != 1 || !timerChoice.MatchString(last.String())) {
			t.Fatalf("bound %d: %+v, last schedule %s", tc.bound, st, last)
		}
	}
	st := sched.Explore(sched.ExploreOptions{Bound: 2}, func(s sched.Strategy) bool {
		var won bool
		sched.Run(sched.Options{Strategy: s}, timerRace(&won))
		return won
	})
	if st.Stopped {
		t.Fatalf("without Timers the timer fired early: %+v", st)
	}
}

// TestTimerChoiceTickerNoStarvation: a ticker is always pending, so the
// timer choice is always offered; PCT lowers the timer's priority below the
// goroutine it preempted each time it fires, so the goroutine still
// finishes well within the step limit.
func TestTimerChoiceTickerNoStarvation(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		for _, s := range []sched.Strategy{sched.PCT(seed, 3), sched.Random(seed)} {
			res := sched.Run(sched.Options{Strategy: s, MaxSteps: 2000}, func() {
				tk := time.NewTicker(time.Second)
				defer tk.Stop()
				var n int32
				for i := 0; i < 50; i++ {
					atomic.AddInt32(&n, 1)
				}
			})
			ok(t, res)
		}
	}
}

// TestNextTimerFromIdle: Idle sees the run's virtual time and its earliest
// pending timer (a sleeper's, here), and no timer once none is pending.
func TestNextTimerFromIdle(t *testing.T) {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	type seen struct {
		now, next time.Time
		ok        bool
	}
	var calls []seen
	res := sched.Run(sched.Options{Idle: func() []func() {
		next, ok := sched.NextTimer()
		calls = append(calls, seen{time.Now(), next, ok})
		return nil
	}}, func() {
		time.Sleep(time.Second)
		time.Sleep(2 * time.Second)
	})
	ok(t, res)
	want := []seen{
		{epoch, epoch.Add(time.Second), true},
		{epoch.Add(time.Second), epoch.Add(3 * time.Second), true},
		{epoch.Add(3 * time.Second), time.Time{}, false},
	}
	if len(calls) != len(want) {
		t.Fatalf("Idle saw %v, want %v", calls, want)
	}
	for i := range want {
		if !calls[i].now.Equal(want[i].now) || !calls[i].next.Equal(want[i].next) || calls[i].ok != want[i].ok {
			t.Fatalf("Idle call %d saw %v, want %v", i, calls[i], want[i])
		}
	}
	if _, ok := sched.NextTimer(); ok {
		t.Fatal("NextTimer outside a run")
	}
}
