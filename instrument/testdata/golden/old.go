//go:build linux || darwin

// This file is rewritten as a file of a module whose go.mod says go 1.16
// (see TestGolden): a range over a channel is a loop on Recv2, and the
// build constraint gets go1.21 for the generic calls.
package p

func old(ch chan int) (n int) {
	for v := range ch {
		n += v
	}
	var v int
L:
	for v = range ch {
		if v < 0 {
			continue L
		}
	}
	for range ch {
		n++
	}
	return n + v
}
