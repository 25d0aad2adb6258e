//go:build amd64 || arm64

package core

// getg returns the address of the calling goroutine's runtime record (the
// runtime's g), read from its register or thread-local slot: a cheap key
// that identifies the goroutine while it lives (Me looks it up; a record
// reused by a later goroutine is looked up only after the earlier one
// deleted its key).
func getg() uintptr

const fastG = true
