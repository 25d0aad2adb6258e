// Package time is a drop-in replacement for the standard library's time (skeleton).
package time
