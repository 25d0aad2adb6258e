package cgolock

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/sched"
)

func TestRegisteredWithCgo(t *testing.T) {
	path := reflect.TypeOf(Lock{}).PkgPath()
	ok, problems := sched.Registered(path)
	if !ok || len(problems) != 1 || !strings.Contains(problems[0], "cgolock.go:7: uses cgo") {
		t.Fatalf("sched.Registered(%q) = %v, %q", path, ok, problems)
	}
	var l Lock
	l.n = 1
	l.Lock()
	l.Unlock()
	if l.n != 2 {
		t.Fatalf("n = %d", l.n)
	}
}
