package sched

import "runtime"

func goschedReal() { runtime.Gosched() }
