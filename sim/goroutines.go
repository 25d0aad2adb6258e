package sim

import (
	"bytes"
	"runtime"
	"strconv"
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

// goroutineStates returns the scheduler states ("chan receive", "runnable",
// "sleep", ...) of the goroutines with the given ids that still exist.
func goroutineStates(ids map[int64]bool) map[int64]string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	states := map[int64]string{}
	for _, line := range bytes.Split(buf, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("goroutine "))
		if !ok {
			continue
		}
		sp := bytes.IndexByte(rest, ' ')
		open, end := bytes.IndexByte(rest, '['), bytes.IndexByte(rest, ']')
		if sp < 0 || open < 0 || end < open {
			continue
		}
		id, err := strconv.ParseInt(string(rest[:sp]), 10, 64)
		if err == nil && ids[id] {
			states[id] = string(rest[open+1 : end])
		}
	}
	return states
}
