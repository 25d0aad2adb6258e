package atomic

import (
	"sync/atomic"
	"unsafe"
)

var _ unsafe.Pointer

// AddInt32 is sync/atomic.AddInt32 as a scheduling point.
func AddInt32(addr *int32, delta int32) (new int32) {
	return atomic.AddInt32(addr, delta)
}

// AddInt64 is sync/atomic.AddInt64 as a scheduling point.
func AddInt64(addr *int64, delta int64) (new int64) {
	return atomic.AddInt64(addr, delta)
}

// AddUint32 is sync/atomic.AddUint32 as a scheduling point.
func AddUint32(addr *uint32, delta uint32) (new uint32) {
	return atomic.AddUint32(addr, delta)
}

// AddUint64 is sync/atomic.AddUint64 as a scheduling point.
func AddUint64(addr *uint64, delta uint64) (new uint64) {
	return atomic.AddUint64(addr, delta)
}

// AddUintptr is sync/atomic.AddUintptr as a scheduling point.
func AddUintptr(addr *uintptr, delta uintptr) (new uintptr) {
	return atomic.AddUintptr(addr, delta)
}

// AndInt32 is sync/atomic.AndInt32 as a scheduling point.
func AndInt32(addr *int32, mask int32) (old int32) {
	return atomic.AndInt32(addr, mask)
}

// AndInt64 is sync/atomic.AndInt64 as a scheduling point.
func AndInt64(addr *int64, mask int64) (old int64) {
	return atomic.AndInt64(addr, mask)
}

// AndUint32 is sync/atomic.AndUint32 as a scheduling point.
func AndUint32(addr *uint32, mask uint32) (old uint32) {
	return atomic.AndUint32(addr, mask)
}

// AndUint64 is sync/atomic.AndUint64 as a scheduling point.
func AndUint64(addr *uint64, mask uint64) (old uint64) {
	return atomic.AndUint64(addr, mask)
}

// AndUintptr is sync/atomic.AndUintptr as a scheduling point.
func AndUintptr(addr *uintptr, mask uintptr) (old uintptr) {
	return atomic.AndUintptr(addr, mask)
}

// CompareAndSwapInt32 is sync/atomic.CompareAndSwapInt32 as a scheduling point.
func CompareAndSwapInt32(addr *int32, old, new int32) (swapped bool) {
	return atomic.CompareAndSwapInt32(addr, old, new)
}

// CompareAndSwapInt64 is sync/atomic.CompareAndSwapInt64 as a scheduling point.
func CompareAndSwapInt64(addr *int64, old, new int64) (swapped bool) {
	return atomic.CompareAndSwapInt64(addr, old, new)
}

// CompareAndSwapPointer is sync/atomic.CompareAndSwapPointer as a scheduling point.
func CompareAndSwapPointer(addr *unsafe.Pointer, old, new unsafe.Pointer) (swapped bool) {
	return atomic.CompareAndSwapPointer(addr, old, new)
}

// CompareAndSwapUint32 is sync/atomic.CompareAndSwapUint32 as a scheduling point.
func CompareAndSwapUint32(addr *uint32, old, new uint32) (swapped bool) {
	return atomic.CompareAndSwapUint32(addr, old, new)
}

// CompareAndSwapUint64 is sync/atomic.CompareAndSwapUint64 as a scheduling point.
func CompareAndSwapUint64(addr *uint64, old, new uint64) (swapped bool) {
	return atomic.CompareAndSwapUint64(addr, old, new)
}

// CompareAndSwapUintptr is sync/atomic.CompareAndSwapUintptr as a scheduling point.
func CompareAndSwapUintptr(addr *uintptr, old, new uintptr) (swapped bool) {
	return atomic.CompareAndSwapUintptr(addr, old, new)
}

// LoadInt32 is sync/atomic.LoadInt32 as a scheduling point.
func LoadInt32(addr *int32) (val int32) {
	return atomic.LoadInt32(addr)
}

// LoadInt64 is sync/atomic.LoadInt64 as a scheduling point.
func LoadInt64(addr *int64) (val int64) {
	return atomic.LoadInt64(addr)
}

// LoadPointer is sync/atomic.LoadPointer as a scheduling point.
func LoadPointer(addr *unsafe.Pointer) (val unsafe.Pointer) {
	return atomic.LoadPointer(addr)
}

// LoadUint32 is sync/atomic.LoadUint32 as a scheduling point.
func LoadUint32(addr *uint32) (val uint32) {
	return atomic.LoadUint32(addr)
}

// LoadUint64 is sync/atomic.LoadUint64 as a scheduling point.
func LoadUint64(addr *uint64) (val uint64) {
	return atomic.LoadUint64(addr)
}

// LoadUintptr is sync/atomic.LoadUintptr as a scheduling point.
func LoadUintptr(addr *uintptr) (val uintptr) {
	return atomic.LoadUintptr(addr)
}

// OrInt32 is sync/atomic.OrInt32 as a scheduling point.
func OrInt32(addr *int32, mask int32) (old int32) {
	return atomic.OrInt32(addr, mask)
}

// OrInt64 is sync/atomic.OrInt64 as a scheduling point.
func OrInt64(addr *int64, mask int64) (old int64) {
	return atomic.OrInt64(addr, mask)
}

// OrUint32 is sync/atomic.OrUint32 as a scheduling point.
func OrUint32(addr *uint32, mask uint32) (old uint32) {
	return atomic.OrUint32(addr, mask)
}

// OrUint64 is sync/atomic.OrUint64 as a scheduling point.
func OrUint64(addr *uint64, mask uint64) (old uint64) {
	return atomic.OrUint64(addr, mask)
}

// OrUintptr is sync/atomic.OrUintptr as a scheduling point.
func OrUintptr(addr *uintptr, mask uintptr) (old uintptr) {
	return atomic.OrUintptr(addr, mask)
}

// StoreInt32 is sync/atomic.StoreInt32 as a scheduling point.
func StoreInt32(addr *int32, val int32) {
	atomic.StoreInt32(addr, val)
}

// StoreInt64 is sync/atomic.StoreInt64 as a scheduling point.
func StoreInt64(addr *int64, val int64) {
	atomic.StoreInt64(addr, val)
}

// StorePointer is sync/atomic.StorePointer as a scheduling point.
func StorePointer(addr *unsafe.Pointer, val unsafe.Pointer) {
	atomic.StorePointer(addr, val)
}

// StoreUint32 is sync/atomic.StoreUint32 as a scheduling point.
func StoreUint32(addr *uint32, val uint32) {
	atomic.StoreUint32(addr, val)
}

// StoreUint64 is sync/atomic.StoreUint64 as a scheduling point.
func StoreUint64(addr *uint64, val uint64) {
	atomic.StoreUint64(addr, val)
}

// StoreUintptr is sync/atomic.StoreUintptr as a scheduling point.
func StoreUintptr(addr *uintptr, val uintptr) {
	atomic.StoreUintptr(addr, val)
}

// SwapInt32 is sync/atomic.SwapInt32 as a scheduling point.
func SwapInt32(addr *int32, new int32) (old int32) {
	return atomic.SwapInt32(addr, new)
}

// SwapInt64 is sync/atomic.SwapInt64 as a scheduling point.
func SwapInt64(addr *int64, new int64) (old int64) {
	return atomic.SwapInt64(addr, new)
}

// SwapPointer is sync/atomic.SwapPointer as a scheduling point.
func SwapPointer(addr *unsafe.Pointer, new unsafe.Pointer) (old unsafe.Pointer) {
	return atomic.SwapPointer(addr, new)
}

// SwapUint32 is sync/atomic.SwapUint32 as a scheduling point.
func SwapUint32(addr *uint32, new uint32) (old uint32) {
	return atomic.SwapUint32(addr, new)
}

// SwapUint64 is sync/atomic.SwapUint64 as a scheduling point.
func SwapUint64(addr *uint64, new uint64) (old uint64) {
	return atomic.SwapUint64(addr, new)
}

// SwapUintptr is sync/atomic.SwapUintptr as a scheduling point.
func SwapUintptr(addr *uintptr, new uintptr) (old uintptr) {
	return atomic.SwapUintptr(addr, new)
}
