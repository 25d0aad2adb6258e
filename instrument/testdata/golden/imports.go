//go:build linux || !linux

// Package p has a build constraint and a doc comment that survive.
package p // import "example.com/p"

import (
	"context"
	. "sync"
	at "sync/atomic"
	_ "time"
)

//go:noinline
func use(ctx context.Context) {
	var mu Mutex
	var n at.Int32
	mu.Lock()
	n.Add(1)
	mu.Unlock()
	<-ctx.Done()
}
