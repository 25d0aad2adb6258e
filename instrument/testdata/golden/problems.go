package p

/*
#include <stdlib.h>
*/
import "C"

import (
	"reflect"
	"sync"
	"syscall"
	"unsafe"
	_ "unsafe"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

func tricks(mu *sync.Mutex, ch chan int) {
	state := (*int32)(unsafe.Pointer(mu))
	_ = state
	back := (*sync.Mutex)(unsafe.Pointer(state))
	_ = back
	_ = syscall.Getpid()
	v := reflect.ValueOf(ch)
	v.Send(reflect.ValueOf(1))
	reflect.Select(nil)
}
