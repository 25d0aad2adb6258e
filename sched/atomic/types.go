package atomic

import (
	"sync/atomic"
	"unsafe"
)

// Int32 is sync/atomic.Int32 whose operations are scheduling points in a run.
// The zero value is 0, ready to use; it must not be copied after first use.
type Int32 struct {
	_ noCopy
	v int32
	_ [0]func() // not comparable
}

// Load atomically loads and returns the value (see LoadInt32).
func (x *Int32) Load() int32 { return LoadInt32(&x.v) }

// Store atomically stores val (see StoreInt32).
func (x *Int32) Store(val int32) { StoreInt32(&x.v, val) }

// Swap atomically stores new and returns the previous value (see SwapInt32).
func (x *Int32) Swap(new int32) (old int32) { return SwapInt32(&x.v, new) }

// CompareAndSwap executes the compare-and-swap operation (see CompareAndSwapInt32).
func (x *Int32) CompareAndSwap(old, new int32) (swapped bool) {
	return CompareAndSwapInt32(&x.v, old, new)
}

// Add atomically adds delta and returns the new value (see AddInt32).
func (x *Int32) Add(delta int32) (new int32) { return AddInt32(&x.v, delta) }

// And atomically performs a bitwise AND with mask and returns the old value (see AndInt32).
func (x *Int32) And(mask int32) (old int32) { return AndInt32(&x.v, mask) }

// Or atomically performs a bitwise OR with mask and returns the old value (see OrInt32).
func (x *Int32) Or(mask int32) (old int32) { return OrInt32(&x.v, mask) }

// Int64 is sync/atomic.Int64 whose operations are scheduling points in a run.
// The zero value is 0, ready to use; it must not be copied after first use.
type Int64 struct {
	_ noCopy
	_ [0]atomic.Int64 // 64-bit alignment on 32-bit platforms
	v int64
	_ [0]func() // not comparable
}

// Load atomically loads and returns the value (see LoadInt64).
func (x *Int64) Load() int64 { return LoadInt64(&x.v) }

// Store atomically stores val (see StoreInt64).
func (x *Int64) Store(val int64) { StoreInt64(&x.v, val) }

// Swap atomically stores new and returns the previous value (see SwapInt64).
func (x *Int64) Swap(new int64) (old int64) { return SwapInt64(&x.v, new) }

// CompareAndSwap executes the compare-and-swap operation (see CompareAndSwapInt64).
func (x *Int64) CompareAndSwap(old, new int64) (swapped bool) {
	return CompareAndSwapInt64(&x.v, old, new)
}

// Add atomically adds delta and returns the new value (see AddInt64).
func (x *Int64) Add(delta int64) (new int64) { return AddInt64(&x.v, delta) }

// And atomically performs a bitwise AND with mask and returns the old value (see AndInt64).
func (x *Int64) And(mask int64) (old int64) { return AndInt64(&x.v, mask) }

// Or atomically performs a bitwise OR with mask and returns the old value (see OrInt64).
func (x *Int64) Or(mask int64) (old int64) { return OrInt64(&x.v, mask) }

// Uint32 is sync/atomic.Uint32 whose operations are scheduling points in a run.
// The zero value is 0, ready to use; it must not be copied after first use.
type Uint32 struct {
	_ noCopy
	v uint32
	_ [0]func() // not comparable
}

// Load atomically loads and returns the value (see LoadUint32).
func (x *Uint32) Load() uint32 { return LoadUint32(&x.v) }

// Store atomically stores val (see StoreUint32).
func (x *Uint32) Store(val uint32) { StoreUint32(&x.v, val) }

// Swap atomically stores new and returns the previous value (see SwapUint32).
func (x *Uint32) Swap(new uint32) (old uint32) { return SwapUint32(&x.v, new) }

// CompareAndSwap executes the compare-and-swap operation (see CompareAndSwapUint32).
func (x *Uint32) CompareAndSwap(old, new uint32) (swapped bool) {
	return CompareAndSwapUint32(&x.v, old, new)
}

// Add atomically adds delta and returns the new value (see AddUint32).
func (x *Uint32) Add(delta uint32) (new uint32) { return AddUint32(&x.v, delta) }

// And atomically performs a bitwise AND with mask and returns the old value (see AndUint32).
func (x *Uint32) And(mask uint32) (old uint32) { return AndUint32(&x.v, mask) }

// Or atomically performs a bitwise OR with mask and returns the old value (see OrUint32).
func (x *Uint32) Or(mask uint32) (old uint32) { return OrUint32(&x.v, mask) }

// Uint64 is sync/atomic.Uint64 whose operations are scheduling points in a run.
// The zero value is 0, ready to use; it must not be copied after first use.
type Uint64 struct {
	_ noCopy
	_ [0]atomic.Uint64 // 64-bit alignment on 32-bit platforms
	v uint64
	_ [0]func() // not comparable
}

// Load atomically loads and returns the value (see LoadUint64).
func (x *Uint64) Load() uint64 { return LoadUint64(&x.v) }

// Store atomically stores val (see StoreUint64).
func (x *Uint64) Store(val uint64) { StoreUint64(&x.v, val) }

// Swap atomically stores new and returns the previous value (see SwapUint64).
func (x *Uint64) Swap(new uint64) (old uint64) { return SwapUint64(&x.v, new) }

// CompareAndSwap executes the compare-and-swap operation (see CompareAndSwapUint64).
func (x *Uint64) CompareAndSwap(old, new uint64) (swapped bool) {
	return CompareAndSwapUint64(&x.v, old, new)
}

// Add atomically adds delta and returns the new value (see AddUint64).
func (x *Uint64) Add(delta uint64) (new uint64) { return AddUint64(&x.v, delta) }

// And atomically performs a bitwise AND with mask and returns the old value (see AndUint64).
func (x *Uint64) And(mask uint64) (old uint64) { return AndUint64(&x.v, mask) }

// Or atomically performs a bitwise OR with mask and returns the old value (see OrUint64).
func (x *Uint64) Or(mask uint64) (old uint64) { return OrUint64(&x.v, mask) }

// Uintptr is sync/atomic.Uintptr whose operations are scheduling points in a run.
// The zero value is 0, ready to use; it must not be copied after first use.
type Uintptr struct {
	_ noCopy
	v uintptr
	_ [0]func() // not comparable
}

// Load atomically loads and returns the value (see LoadUintptr).
func (x *Uintptr) Load() uintptr { return LoadUintptr(&x.v) }

// Store atomically stores val (see StoreUintptr).
func (x *Uintptr) Store(val uintptr) { StoreUintptr(&x.v, val) }

// Swap atomically stores new and returns the previous value (see SwapUintptr).
func (x *Uintptr) Swap(new uintptr) (old uintptr) { return SwapUintptr(&x.v, new) }

// CompareAndSwap executes the compare-and-swap operation (see CompareAndSwapUintptr).
func (x *Uintptr) CompareAndSwap(old, new uintptr) (swapped bool) {
	return CompareAndSwapUintptr(&x.v, old, new)
}

// Add atomically adds delta and returns the new value (see AddUintptr).
func (x *Uintptr) Add(delta uintptr) (new uintptr) { return AddUintptr(&x.v, delta) }

// And atomically performs a bitwise AND with mask and returns the old value (see AndUintptr).
func (x *Uintptr) And(mask uintptr) (old uintptr) { return AndUintptr(&x.v, mask) }

// Or atomically performs a bitwise OR with mask and returns the old value (see OrUintptr).
func (x *Uintptr) Or(mask uintptr) (old uintptr) { return OrUintptr(&x.v, mask) }

// Bool is sync/atomic.Bool whose operations are scheduling points in a run.
// The zero value is false.
type Bool struct {
	_ noCopy
	v uint32
}

func b32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Load atomically loads and returns the value.
func (x *Bool) Load() bool { return LoadUint32(&x.v) != 0 }

// Store atomically stores val.
func (x *Bool) Store(val bool) { StoreUint32(&x.v, b32(val)) }

// Swap atomically stores new and returns the previous value.
func (x *Bool) Swap(new bool) (old bool) { return SwapUint32(&x.v, b32(new)) != 0 }

// CompareAndSwap executes the compare-and-swap operation for the boolean value x.
func (x *Bool) CompareAndSwap(old, new bool) (swapped bool) {
	return CompareAndSwapUint32(&x.v, b32(old), b32(new))
}

// Pointer is sync/atomic.Pointer[T] whose operations are scheduling points
// in a run. The zero value is a nil *T.
type Pointer[T any] struct {
	_ [0]*T // T is part of the type
	_ noCopy
	v unsafe.Pointer
}

// Load atomically loads and returns the value.
func (x *Pointer[T]) Load() *T { return (*T)(LoadPointer(&x.v)) }

// Store atomically stores val.
func (x *Pointer[T]) Store(val *T) { StorePointer(&x.v, unsafe.Pointer(val)) }

// Swap atomically stores new and returns the previous value.
func (x *Pointer[T]) Swap(new *T) (old *T) { return (*T)(SwapPointer(&x.v, unsafe.Pointer(new))) }

// CompareAndSwap executes the compare-and-swap operation for x.
func (x *Pointer[T]) CompareAndSwap(old, new *T) (swapped bool) {
	return CompareAndSwapPointer(&x.v, unsafe.Pointer(old), unsafe.Pointer(new))
}

// noCopy makes go vet's copylocks check flag copies.
type noCopy struct{}

// Lock is for go vet.
func (*noCopy) Lock() {}

// Unlock is for go vet.
func (*noCopy) Unlock() {}
