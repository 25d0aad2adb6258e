package core

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// goid returns the calling goroutine's id, read from its stack header
// "goroutine 123 [running]:".
func goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, _ := strconv.ParseInt(string(b[:i]), 10, 64)
		return id
	}
	return 0
}

// active counts the runs in progress: with none, Me returns at once,
// without reading the goroutine id.
var active atomic.Int32

// managed maps the goroutine id of every managed goroutine to its record;
// byG maps the address of its runtime record (getg), which is much cheaper
// to read than the id, where the architecture has getg (fastG).
var (
	managed sync.Map // int64 -> *G
	byG     sync.Map // uintptr -> *G
)

// Me returns the record of the calling goroutine when it is managed by a
// run in progress, nil otherwise (then the caller performs the real
// operation).
func Me() *G {
	if active.Load() == 0 {
		return nil
	}
	var v any
	var ok bool
	if fastG {
		v, ok = byG.Load(getg())
	} else {
		v, ok = managed.Load(goid())
	}
	if !ok {
		return nil
	}
	return v.(*G)
}

// schedPrefix is the import path of package sched; frames of functions in
// it and its subpackages are skipped when a call site is reported.
const schedPrefix = "github.com/lockcheck/lockcheck/sched"

func isSchedFunc(name string) bool {
	rest, ok := strings.CutPrefix(name, schedPrefix)
	if !ok || !(strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "/")) {
		return false
	}
	// The package path ends at the first dot after the last slash; an
	// external test package (…_test) is test code, not the scheduler.
	pkg := name
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
			pkg = pkg[:i+j]
		}
	} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
		pkg = pkg[:j]
	}
	return !strings.HasSuffix(pkg, "_test")
}

// callers records the stack of the caller, for a position resolved later.
func callers() []uintptr {
	pcs := make([]uintptr, 12)
	return pcs[:runtime.Callers(3, pcs)]
}

// position returns "file.go:123" of the first frame outside package sched
// and its subpackages ("?" if there is none).
func position(pcs []uintptr) string {
	if len(pcs) == 0 {
		return "?"
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" && !isSchedFunc(f.Function) && !strings.HasPrefix(f.Function, "runtime.") && !strings.HasPrefix(f.Function, "iter.") {
			return shortFile(f.File) + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return "?"
		}
	}
}

// shortFile keeps the last path element of a file name, so that reports do
// not depend on where the module lives.
func shortFile(file string) string {
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		return file[i+1:]
	}
	return file
}
