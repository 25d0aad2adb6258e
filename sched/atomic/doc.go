// Package atomic is a drop-in replacement for the standard library's atomic (skeleton).
package atomic
