// Package nobuild is a test fixture of lockcheck test: it builds, but not
// once instrumented (a go statement's untyped boolean argument becomes a
// bool temporary, which the named parameter type does not accept).
package nobuild

type flag bool

func set(f flag, done chan<- flag) { done <- f }

// Equal reports a == b, computed in a goroutine.
func Equal(a, b int) bool {
	done := make(chan flag)
	go set(a == b, done)
	return bool(<-done)
}
