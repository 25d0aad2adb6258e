// Package nobuild is a test fixture of lockcheck test: it builds, but not
// once instrumented. Its layout assertion is an unsafe trick: it holds for
// sync/atomic's Int32 (4 bytes), not for the scheduler's replacement.
package nobuild

import (
	"sync/atomic"
	"unsafe"
)

// word is a state and a counter that must share one 64-bit word.
type word struct {
	state atomic.Int32
	count uint32
}

var _ [8 - unsafe.Sizeof(word{})]byte // compile-time: word is at most 8 bytes

// Flag is set once.
type Flag struct{ w word }

// Set sets the flag and reports whether it was clear.
func (f *Flag) Set() bool { return f.w.state.CompareAndSwap(0, 1) }
