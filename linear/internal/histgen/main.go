// Command histgen writes a long history of a correct lock in the history
// file format, for measuring lockcheck check:
//
//	go run ./linear/internal/histgen -n 100000 -clients 8 [-violation 0.99] > h.jsonl
//
// With -violation F it adds one violation (a try_acquire that succeeds on a
// held lock, by an extra client) after a fraction F of the operations,
// checking that the result is not linearizable.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear"
	"github.com/lockcheck/lockcheck/linear/internal/lockgen"
)

func main() {
	n := flag.Int("n", 100000, "operations")
	clients := flag.Int("clients", 8, "clients")
	seed := flag.Uint64("seed", 1, "random seed")
	violation := flag.Float64("violation", -1, "if >= 0, add one violation after this fraction of the operations")
	flag.Parse()
	h := lockgen.History(rand.New(rand.NewPCG(*seed, 0)), *n, *clients)
	if *violation >= 0 {
		for s := *seed; ; s++ {
			h = lockgen.Violate(rand.New(rand.NewPCG(s, 0)), *n, *clients, int(*violation*float64(*n)))
			if linear.Check(h, linear.Options{NoWindow: true}).Verdict == history.NotLinearizable {
				break
			}
			if s > *seed+100 {
				fmt.Fprintln(os.Stderr, "histgen: could not make a violation")
				os.Exit(1)
			}
		}
	}
	if err := history.Write(os.Stdout, h); err != nil {
		fmt.Fprintln(os.Stderr, "histgen:", err)
		os.Exit(1)
	}
}
