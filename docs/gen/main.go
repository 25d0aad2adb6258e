// Command gen draws the pictures of the documentation and refreshes the
// gallery of broken locks. Run it from the repository's root:
//
//	go run ./docs/gen
//
// It writes:
//
//   - docs/img/state-machine.svg: the lock's state machine, derived from
//     model.Step;
//   - docs/img/NAME.svg and NAME.txt: the hand-written histories of
//     docs/linearizability.md (see teach.go), drawn as timelines with the
//     linearization porcupine found, and as text;
//   - docs/gallery/NAME.txt, NAME.jsonl and NAME.svg for every broken lock
//     of the zoo: the harness is run on the lock (sim.RunLock with the
//     lock's options, -duration to search and -shrink to minimize, up to
//     -tries times, keeping the smallest counterexample of the expected
//     kind, and stopping early at one of at most -small operations), and
//     its failure is written as text (what the harness prints,
//     without the path of the HTML visualization), as a history file, and
//     as a picture.
//
// It also writes docs/interleavings.md and docs/img/interleaving-NAME.svg:
// the failing interleavings of a few broken locks, found by the exhaustive
// exploration under `lockcheck test` (see interleavings.go).
//
// Finally it copies every generated text file that a page of docs/ quotes
// into that page: a block
//
//	<!-- gen:gallery/check-then-set.txt -->
//	...
//	<!-- /gen -->
//
// is replaced by the file docs/gallery/check-then-set.txt, fenced.
//
// Counterexamples differ from run to run (the scenarios are random and the
// interleavings are real), so the gallery is a snapshot of one run.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

func main() {
	docs := flag.String("docs", "docs", "the documentation `directory`")
	only := flag.String("only", "", "comma-separated `names` of the broken locks to run (default: all)")
	duration := flag.Duration("duration", 5*time.Second, "how long the harness searches for a failure, per try")
	shrink := flag.Duration("shrink", 5*time.Second, "how long the harness minimizes a failure, per try")
	tries := flag.Int("tries", 5, "runs per lock at most; the smallest counterexample is kept")
	small := flag.Int("small", 6, "stop trying once a counterexample's history and scenario both have at most this many operations")
	gallery := flag.Bool("gallery", true, "run the harness on the broken locks (false: only draw docs/img)")
	interleavings := flag.Bool("interleavings", true, "write docs/interleavings.md: run the exhaustive exploration on a few broken locks under lockcheck test and draw their failing interleavings")
	flag.Parse()
	if st, err := os.Stat(*docs); err != nil || !st.IsDir() {
		fatalf("no directory %q: run go run ./docs/gen from the repository's root", *docs)
	}

	check(os.MkdirAll(filepath.Join(*docs, "img"), 0o755))
	check(os.WriteFile(filepath.Join(*docs, "img", "state-machine.svg"), []byte(stateMachine()), 0o644))
	for _, t := range teachings {
		if v := history.Check(t.ops, 0).Verdict; v != t.want {
			fatalf("the history %s is %s, not %s as docs/linearizability.md says", t.name, v, t.want)
		}
		fig, text := t.figure()
		check(os.WriteFile(filepath.Join(*docs, "img", t.name+".svg"), []byte(fig.svg()), 0o644))
		check(os.WriteFile(filepath.Join(*docs, "img", t.name+".txt"), []byte(text), 0o644))
	}
	fmt.Printf("drew %d figures in %s\n", len(teachings)+1, filepath.Join(*docs, "img"))

	bad := 0
	if *gallery {
		want := map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			if n = strings.TrimSpace(n); n != "" {
				want[n] = true
			}
		}
		check(os.MkdirAll(filepath.Join(*docs, "gallery"), 0o755))
		found := map[string]bool{}
		for _, e := range zoo.All() {
			found[e.Name] = true
			if e.Correct || (len(want) > 0 && !want[e.Name]) {
				continue
			}
			f := counterexample(e, *duration, *shrink, max(1, *tries), *small)
			if f == nil {
				bad++
				continue
			}
			check(writeGallery(filepath.Join(*docs, "gallery"), e, f))
		}
		for n := range want {
			if !found[n] {
				fmt.Fprintf(os.Stderr, "gen: no lock named %q in the zoo\n", n)
				bad++
			}
		}
	}
	if *interleavings {
		ils, err := runInterleavings()
		check(err)
		check(interleavingsPage(*docs, ils))
		fmt.Printf("drew %d interleavings in %s\n", len(ils), filepath.Join(*docs, "interleavings.md"))
	}
	check(refreshPages(*docs))
	if bad > 0 {
		fatalf("%d lock(s) without the expected counterexample; their files were left as they were", bad)
	}
}

// counterexample runs the harness on e up to tries times and returns the
// smallest failure of the expected kind, or nil if there was none.
func counterexample(e zoo.Entry, duration, shrink time.Duration, tries, small int) *sim.Failure {
	var best *sim.Failure
	for try := 1; try <= tries; try++ {
		dir, err := os.MkdirTemp("", "lockcheck-gen-")
		check(err)
		opts := append(append([]sim.Option{}, e.Options...),
			sim.WithDuration(duration), sim.WithShrinkTime(shrink), sim.WithHTMLDir(dir))
		start := time.Now()
		rep, err := sim.RunLock(e.New, opts...)
		_ = os.RemoveAll(dir)
		check(err)
		f := rep.Failure
		took := time.Since(start).Round(100 * time.Millisecond)
		switch {
		case f == nil:
			fmt.Printf("%-22s try %d: passed (%d histories, %v)\n", e.Name, try, rep.Histories, took)
			continue
		case f.Kind != e.Expect:
			fmt.Printf("%-22s try %d: %s, expected %s (%v)\n", e.Name, try, f.Kind, e.Expect, took)
			continue
		}
		fmt.Printf("%-22s try %d: %s, %d operations in %d clients (%v)\n", e.Name, try, f.Kind, len(f.History), history.Clients(f.History), took)
		if best == nil || smaller(f, best) {
			best = f
		}
		if len(best.History) <= small && scenarioOps(best.Scenario) <= small {
			break
		}
	}
	if best == nil {
		fmt.Fprintf(os.Stderr, "gen: %s: no %s found in %d tries\n", e.Name, e.Expect, tries)
	}
	return best
}

// smaller orders failures by the operations in their history and
// scenario, then by their clients.
func smaller(a, b *sim.Failure) bool {
	na, nb := len(a.History)+scenarioOps(a.Scenario), len(b.History)+scenarioOps(b.Scenario)
	if na != nb {
		return na < nb
	}
	return history.Clients(a.History) < history.Clients(b.History)
}

func scenarioOps(sc sim.Scenario) int {
	n := 0
	for _, c := range sc.Clients {
		n += len(c)
	}
	return n
}

// writeGallery writes NAME.txt, NAME.jsonl and NAME.svg.
func writeGallery(dir string, e zoo.Entry, f *sim.Failure) error {
	text := *f
	text.HTML = "" // a temporary path
	base := filepath.Join(dir, e.Name)
	if err := os.WriteFile(base+".txt", []byte(text.Error()), 0o644); err != nil {
		return err
	}
	jf, err := os.Create(base + ".jsonl")
	if err != nil {
		return err
	}
	if err := history.WriteMeta(jf, f.History, history.Meta{Lock: f.Lock}); err != nil {
		jf.Close()
		return err
	}
	if err := jf.Close(); err != nil {
		return err
	}
	fig := figure{Title: fmt.Sprintf("%s: %s", e.Name, f.Kind), Subtitle: e.Bug, Ops: f.History, Marks: galleryMarks(f)}
	return os.WriteFile(base+".svg", []byte(fig.svg()), 0o644)
}

// galleryMarks are the failure's marks. A broken contract has none: the
// operation that broke it is the one of the client its summary names that
// never returned (the run ended there), so that one is marked.
func galleryMarks(f *sim.Failure) map[int]string {
	if len(f.Marks) > 0 || f.Kind != sim.Contract {
		return f.Marks
	}
	var c int
	if _, err := fmt.Sscanf(f.Summary, "client %d:", &c); err != nil {
		return nil
	}
	for i := len(f.History) - 1; i >= 0; i-- {
		if op := f.History[i]; op.Client == c && !returned(op) {
			return map[int]string{i: "◀ broke the contract"}
		}
	}
	return nil
}

var genBlock = regexp.MustCompile(`(?s)(<!-- gen:([^ ]+) -->\n).*?(<!-- /gen -->)`)

// refreshPages replaces the generated blocks of the pages in docs by the
// files they name.
func refreshPages(docs string) error {
	pages, err := filepath.Glob(filepath.Join(docs, "*.md"))
	if err != nil {
		return err
	}
	for _, page := range pages {
		old, err := os.ReadFile(page)
		if err != nil {
			return err
		}
		var missing []string
		updated := genBlock.ReplaceAllFunc(old, func(m []byte) []byte {
			sub := genBlock.FindSubmatch(m)
			data, err := os.ReadFile(filepath.Join(docs, filepath.FromSlash(string(sub[2]))))
			if err != nil {
				missing = append(missing, string(sub[2]))
				return m
			}
			return []byte(string(sub[1]) + "```text\n" + string(data) + "```\n" + string(sub[3]))
		})
		for _, m := range missing {
			fmt.Fprintf(os.Stderr, "gen: %s quotes %s, which does not exist\n", page, m)
		}
		if string(updated) != string(old) {
			if err := os.WriteFile(page, updated, 0o644); err != nil {
				return err
			}
			fmt.Printf("refreshed %s\n", page)
		}
	}
	return nil
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}
