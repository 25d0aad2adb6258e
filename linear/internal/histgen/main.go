// Command histgen writes a long history of a correct lock in the history
// file format, for measuring lockcheck check:
//
//	go run ./linear/internal/histgen -n 100000 -clients 8 [-violation 0.99] > h.jsonl
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear/internal/lockgen"
)

func main() {
	n := flag.Int("n", 100000, "operations")
	clients := flag.Int("clients", 8, "clients")
	seed := flag.Uint64("seed", 1, "random seed")
	violation := flag.Float64("violation", -1, "if >= 0, add one violation at this fraction of the history (1 = the end)")
	flag.Parse()
	h := lockgen.History(rand.New(rand.NewPCG(*seed, 0)), *n, *clients)
	if *violation >= 0 && lockgen.Violate(h, min(*violation, 0.999)) < 0 {
		fmt.Fprintln(os.Stderr, "histgen: no operation to turn into a violation")
		os.Exit(1)
	}
	if err := history.Write(os.Stdout, h); err != nil {
		fmt.Fprintln(os.Stderr, "histgen:", err)
		os.Exit(1)
	}
}
