package sched_test

import (
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestTmpCatch(t *testing.T) {
	for _, name := range []string{"pct2", "pct3", "pct3r", "pct4r", "random", "none"} {
		first, count := -1, 0
		reused3 := sched.PCT(7, 3)
		reused4 := sched.PCT(7, 4)
		for seed := uint64(0); seed < 300; seed++ {
			var s sched.Strategy
			switch name {
			case "pct2":
				s = sched.PCT(seed, 2)
			case "pct3":
				s = sched.PCT(seed, 3)
			case "pct3r":
				s = reused3
			case "pct4r":
				s = reused4
			case "random":
				s = sched.Random(seed)
			}
			v, _ := mutualExclusion(s, &checkThenSet{}, 2)
			if v {
				count++
				if first < 0 {
					first = int(seed)
				}
			}
			v2, r2 := mutualExclusion(s, &casLock{}, 3)
			if v2 || r2.Deadlock || r2.StepLimit {
				t.Errorf("%s seed %d: correct lock failed: %+v", name, seed, r2)
			}
		}
		t.Logf("%s: first %d, caught %d/300", name, first, count)
	}
}
