package atomic

import (
	"sync/atomic"
	"unsafe"

	"github.com/lockcheck/lockcheck/sched/internal/core"
)

// Value is sync/atomic.Value whose operations are scheduling points in a
// run (the same panics: storing nil, or values of different types). The
// zero value returns nil from Load.
type Value struct {
	v atomic.Value
}

func (v *Value) point(op string) *core.G {
	g := core.Me()
	if g != nil {
		g.Yield(op)
	}
	return g
}

// Load returns the value set by the most recent Store, nil if none.
func (v *Value) Load() (val any) {
	g := v.point("atomic.Value.Load")
	val = v.v.Load()
	if g != nil {
		g.Observe("atomic.Value.Load", uintptr(unsafe.Pointer(v)), identity(val))
	}
	return val
}

// Store sets the value to val.
func (v *Value) Store(val any) {
	v.point("atomic.Value.Store")
	v.v.Store(val)
}

// Swap stores new and returns the previous value.
func (v *Value) Swap(new any) (old any) {
	v.point("atomic.Value.Swap")
	return v.v.Swap(new)
}

// CompareAndSwap executes the compare-and-swap operation for the Value.
func (v *Value) CompareAndSwap(old, new any) (swapped bool) {
	g := v.point("atomic.Value.CompareAndSwap")
	swapped = v.v.CompareAndSwap(old, new)
	if g != nil && !swapped {
		g.Observe("atomic.Value.CompareAndSwap", uintptr(unsafe.Pointer(v)), identity(v.v.Load()))
	}
	return swapped
}

// identity distinguishes values for the spinning rule: the data word of
// the interface (equal for the same pointer or small value).
func identity(x any) uint64 {
	type iface struct{ t, d unsafe.Pointer }
	p := (*iface)(unsafe.Pointer(&x))
	return uint64(uintptr(p.t))*31 + uint64(uintptr(p.d))
}
