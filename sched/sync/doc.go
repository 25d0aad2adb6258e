// Package sync is a drop-in replacement for the standard library's sync (skeleton).
package sync
