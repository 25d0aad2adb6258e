// Package nobuild is a test fixture of lockcheck test: it builds, but not
// once instrumented (a goto to a labelled select: the rewritten select's
// label is inside a block, where a goto cannot jump).
package nobuild

// Poll reports whether a value is ready on ch, trying twice.
func Poll(ch chan int) bool {
	tries := 0
	goto poll
poll:
	select {
	case <-ch:
		return true
	default:
		tries++
		if tries < 2 {
			goto poll
		}
	}
	return false
}
