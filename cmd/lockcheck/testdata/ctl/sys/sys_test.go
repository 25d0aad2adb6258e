package sys_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/sys"
	"github.com/lockcheck/lockcheck/sched"
)

func TestRegisteredWithProblem(t *testing.T) {
	path := reflect.TypeOf(sys.Lock{}).PkgPath()
	ok, problems := sched.Registered(path)
	if !ok || len(problems) != 1 || !strings.Contains(problems[0], "sys.go:19: calls syscall.Getpid") {
		t.Fatalf("sched.Registered(%q) = %v, %q; want the syscall at sys.go:19", path, ok, problems)
	}
	// The external test package is registered too.
	if ok, _ := sched.Registered(reflect.TypeOf(local{}).PkgPath()); !ok {
		t.Fatalf("%s is not registered", reflect.TypeOf(local{}).PkgPath())
	}
}

type local struct{}
