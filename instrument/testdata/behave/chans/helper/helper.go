// Package helper gives the chans program a channel whose element type
// comes from a package the program does not import.
package helper

import (
	"io"
	"strings"
)

// Readers returns a buffered channel of readers.
func Readers() chan io.Reader { return make(chan io.Reader, 1) }

// Reader returns a reader of s.
func Reader(s string) *strings.Reader { return strings.NewReader(s) }
