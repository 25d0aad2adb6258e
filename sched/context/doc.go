// Package context is a drop-in replacement for the standard library's context (skeleton).
package context
