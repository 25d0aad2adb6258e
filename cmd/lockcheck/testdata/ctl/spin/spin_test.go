package spin

import (
	"os"
	"reflect"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestInstrumented(t *testing.T) {
	if !sched.Enabled() {
		t.Fatal("sched.Enabled() is false: not an instrumented build")
	}
	path := reflect.TypeOf(Lock{}).PkgPath()
	ok, problems := sched.Registered(path)
	if !ok || len(problems) > 0 {
		t.Fatalf("sched.Registered(%q) = %v, %q; want true, none", path, ok, problems)
	}
	t.Logf("replay=%s", os.Getenv("LOCKCHECK_REPLAY"))
}

// TestScheduled runs two goroutines on the lock under the controlled
// scheduler: the instrumented atomics and Gosched are scheduling points.
func TestScheduled(t *testing.T) {
	var l Lock
	n := 0
	g := func() {
		for i := 0; i < 3; i++ {
			l.Lock()
			n++
			l.Unlock()
		}
	}
	res := sched.Run(sched.Options{Strategy: sched.Random(1)}, g, g)
	if res.Deadlock || res.StepLimit || res.Escaped != "" || n != 6 {
		t.Fatalf("run: %+v, n = %d", res, n)
	}
	if res.Steps < 12 {
		t.Fatalf("only %d scheduling points: the lock's operations are not instrumented", res.Steps)
	}
}

func TestFailsOnRequest(t *testing.T) {
	if os.Getenv("LOCKCHECK_E2E_FAIL") == "1" {
		t.Fatal("failing as asked")
	}
}
