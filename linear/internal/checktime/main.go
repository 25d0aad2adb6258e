// Command checktime times the linear checker, or porcupine, on history
// files, for docs/benchmarks.md:
//
//	go run ./linear/internal/checktime [-porcupine] [-timeout 60s] FILE...
//
// For each file it prints the verdict, the time, and the checker's largest
// number of configurations and of operations kept.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear"
)

func main() {
	porc := flag.Bool("porcupine", false, "check with porcupine (history.Check) instead")
	timeout := flag.Duration("timeout", time.Minute, "porcupine's timeout")
	flag.Parse()
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		t0 := time.Now()
		if *porc {
			h, err := history.Read(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			r := history.Check(h, *timeout)
			fmt.Printf("%s: porcupine: %s in %.3fs\n", name, r.Verdict, time.Since(t0).Seconds())
		} else {
			r, err := linear.CheckReader(f, linear.Options{})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			fmt.Printf("%s: linear: %s in %.3fs (%d operations, %d clients, at most %d configurations, %d operations kept)",
				name, r.Verdict, time.Since(t0).Seconds(), r.Operations, r.Clients, r.MaxConfigurations, r.MaxRunning)
			if w := r.Window; w != nil {
				fmt.Printf(", window of %d operations, confirmed %t", len(w.Ops), w.Confirmed)
			}
			fmt.Println()
		}
		f.Close()
	}
}
