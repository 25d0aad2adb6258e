package linear

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear/internal/lockgen"
)

// benchFile is a generated history file of n operations by clients
// clients, with one violation near the end if bad.
func benchFile(b *testing.B, n, clients int, bad bool) []byte {
	b.Helper()
	h := lockgen.History(rand.New(rand.NewPCG(1, 0)), n, clients)
	if bad {
		h = lockgen.Violate(rand.New(rand.NewPCG(1, 0)), n, clients, n*99/100)
	}
	var buf bytes.Buffer
	if err := history.Write(&buf, h); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkCheckReader decides generated history files: correct-lock
// histories, and the same with one violation near the end.
func BenchmarkCheckReader(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, clients := range []int{8, 64} {
			for _, bad := range []bool{false, true} {
				data := benchFile(b, n, clients, bad)
				b.Run(fmt.Sprintf("ops=%d/clients=%d/violation=%t", n, clients, bad), func(b *testing.B) {
					for b.Loop() {
						if _, err := CheckReader(bytes.NewReader(data), Options{}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkPorcupine is porcupine (history.Check) on the same files, for
// the ratio; only short ones: on long ones it times out (docs/benchmarks.md).
func BenchmarkPorcupine(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, bad := range []bool{false, true} {
			data := benchFile(b, n, 8, bad)
			b.Run(fmt.Sprintf("ops=%d/clients=8/violation=%t", n, bad), func(b *testing.B) {
				for b.Loop() {
					h, err := history.Read(bytes.NewReader(data))
					if err != nil {
						b.Fatal(err)
					}
					history.Check(h, 0)
				}
			})
		}
	}
}

// BenchmarkSmall compares the two checkers on histories of the harness's
// size (up to 24 operations of up to 6 clients, random executions with
// corruptions), the case of sim's per-history check.
func BenchmarkSmall(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	var hs [][]history.Op
	for range 1000 {
		hs = append(hs, randomHistory(rng, 1+rng.IntN(24), 1+rng.IntN(6)))
	}
	b.Run("checker=linear", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			Check(hs[i%len(hs)], Options{NoWindow: true})
		}
	})
	b.Run("checker=porcupine", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			history.Check(hs[i%len(hs)], 0)
		}
	})
}
