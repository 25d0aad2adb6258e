package sim

import (
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/model"
)

func TestExhaustiveScratch(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func() Lock
	}{{"chan", func() Lock { return make(ctlChanLock, 1) }}, {"cond", newCondLock}, {"cts", func() Lock { return new(ctsLock) }}, {"lost", func() Lock { return new(lostWakeLock) }}} {
		for _, ops := range []int{2, 3} {
			e, err := ExploreLock(c.mk, 2, ops, withControlled())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s ops=%d: %s; runs %d; %v", c.name, ops, e.Coverage(), e.Runs, e.Elapsed)
			if e.Failure != nil {
				t.Logf("%s", e.Failure.Error())
			}
		}
	}
	_ = model.Acquire
	_ = time.Second
}
