package sched_test

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
	"github.com/lockcheck/lockcheck/sched/atomic"
)

// checkThenSet is a broken lock: the check and the set are two atomic steps.
type checkThenSet struct{ state int32 }

func (l *checkThenSet) Lock() {
	for atomic.LoadInt32(&l.state) != 0 {
		sched.Gosched()
	}
	atomic.StoreInt32(&l.state, 1)
}

func (l *checkThenSet) Unlock() { atomic.StoreInt32(&l.state, 0) }

// casLock is a correct spin lock.
type casLock struct{ state int32 }

func (l *casLock) Lock() {
	for !atomic.CompareAndSwapInt32(&l.state, 0, 1) {
		sched.Gosched()
	}
}

func (l *casLock) Unlock() { atomic.StoreInt32(&l.state, 0) }

type locker interface {
	Lock()
	Unlock()
}

// mutualExclusion runs n goroutines that each take l twice, and reports
// whether two ever held it at once.
func mutualExclusion(s sched.Strategy, l locker, n int) (violated bool, res *sched.Result) {
	var holders int32
	body := func() {
		for i := 0; i < 2; i++ {
			l.Lock()
			if atomic.AddInt32(&holders, 1) > 1 {
				violated = true
			}
			atomic.AddInt32(&holders, -1)
			l.Unlock()
		}
	}
	gs := make([]func(), n)
	for i := range gs {
		gs[i] = body
	}
	res = sched.Run(sched.Options{Strategy: s}, gs...)
	return violated, res
}

func TestSmoke(t *testing.T) {
	v, res := mutualExclusion(sched.PCT(1, 2), &casLock{}, 2)
	t.Logf("violated=%v res=%+v", v, res)
}
