module github.com/lockcheck/lockcheck

go 1.26.8

require (
	github.com/anishathalye/porcupine v1.3.1
	golang.org/x/sync v0.25.0
	pgregory.net/rapid v1.3.0
)
