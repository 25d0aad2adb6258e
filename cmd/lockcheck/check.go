package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/linear"
	"github.com/lockcheck/lockcheck/model"
)

const checkUsage = `usage: lockcheck check [--html OUT] [--full] [--timeout D] [--json] FILE...

Checks recorded histories (the JSON Lines history format, as written by
'lockcheck run --record') for linearizability against the lock's model. FILE
"-" is stdin. Each file is read once, front to back, keeping only the
operations that are running (memory does not grow with the file's length),
by a checker specialised to lock histories whose verdicts are porcupine's.
For a history that is not linearizable it names the operation at which no
linearization of the history so far exists, the states of the lock it found,
and prints a text timeline, one column per client, of the shortest part of
the history around it that is not linearizable by itself (checked again by
porcupine), with that operation marked.

A file whose first line is {"lock": "owned"} or {"lock": "reentrant"} is of an
owned lock (only the holder may release it; a reentrant one counts its
holder's acquisitions); it is read whole and checked by porcupine against
that model, and a violation's timeline is of the whole history. A file
without such a line is of an unowned lock.

--full prints the timeline of the whole history instead (and makes --html
draw the whole history); the history is then held in memory.

--html OUT writes porcupine's visualization of every history that parses: with
one FILE to the file OUT, with several into the directory OUT (NAME.html for
FILE NAME.jsonl). For a history that is not linearizable it draws the part
printed as a timeline; for a linearizable one, the whole history (porcupine
may take long on long histories: --timeout bounds it).

Exit status: 0 every history is linearizable; 1 some history is not, or the
checker could not decide within --timeout; 2 bad input, reported as
FILE:LINE: what is wrong, or a usage error (2 also when other files had
violations).
`

// fileResult is check's outcome for one file.
type fileResult struct {
	File       string          `json:"file"`
	Verdict    history.Verdict `json:"verdict,omitempty"` // "linearizable", "not linearizable" or "unknown (checker timed out)"
	Operations int             `json:"operations"`
	Clients    int             `json:"clients"`
	Lock       string          `json:"lock,omitempty"` // the lock's semantics from the file's header: "unowned", "owned" or "reentrant"
	Culprit    *culprit        `json:"culprit,omitempty"`
	Timeline   string          `json:"timeline,omitempty"` // for a history that is not linearizable: of the window, or of the whole history with --full
	Window     *window         `json:"window,omitempty"`   // for a history that is not linearizable
	HTML       string          `json:"html,omitempty"`
	Error      string          `json:"error,omitempty"` // bad input: "FILE:LINE: what is wrong"
	Line       int             `json:"line,omitempty"`  // the line of Error, if known
}

// culprit is the operation at which no linearization of the history so far
// exists.
type culprit struct {
	Index     int    `json:"index"`     // in the history, in the order of invocations
	Line      int    `json:"line"`      // of its invocation in the file
	Client    int    `json:"client"`    // its process
	Operation string `json:"operation"` // e.g. "try_acquire() → true"
	Found     string `json:"found"`     // the lock's possible states just before: "locked", "unlocked" or "locked or unlocked"
	At        int    `json:"at_line"`   // the line of the event at which the checker failed (its return)
}

// window is the part of a history, not linearizable by itself, that the
// timeline shows.
type window struct {
	From       int    `json:"from_line"`  // its first line (an invocation)
	To         int    `json:"to_line"`    // its last line (0: the end of the file)
	Operations int    `json:"operations"` // operations in it (those running at its start included)
	Start      string `json:"start"`      // the lock's possible states at its start
	Confirmed  bool   `json:"confirmed"`  // porcupine also found it not linearizable (false: porcupine timed out)
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", checkUsage, stderr)
	html := fs.String("html", "", "write porcupine's visualization to `OUT` (a file for one FILE, a directory for several)")
	timeout := fs.Duration("timeout", time.Minute, "give up checking one history after `D` (0: never)")
	asJSON := fs.Bool("json", false, "print one JSON result object on stdout")
	full := fs.Bool("full", false, "print and draw the whole history of a violation, not the window around it")
	if code, done := parse(fs, args, stdout); done {
		return code
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError(stderr, "check", "no FILE given")
	}
	if *timeout < 0 {
		return usageError(stderr, "check", "--timeout must not be negative")
	}
	htmlPaths := map[int]string{}
	if *html != "" {
		if len(files) == 1 {
			htmlPaths[0] = *html
		} else {
			if err := os.MkdirAll(*html, 0o755); err != nil {
				return usageError(stderr, "check", "--html: %v", err)
			}
			used := map[string]bool{}
			for i, f := range files {
				base := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
				if f == "-" {
					base = "stdin"
				}
				name := base
				for n := 2; used[name]; n++ {
					name = fmt.Sprintf("%s-%d", base, n)
				}
				used[name] = true
				htmlPaths[i] = filepath.Join(*html, name+".html")
			}
		}
	}

	res := &result{Command: "check", Exit: exitOK}
	bad, failed := false, false
	stdinUsed := false
	opened := map[io.Reader]*os.File{}
	closeFile := func(in io.Reader) {
		if f := opened[in]; f != nil {
			f.Close()
		}
	}
	for i, name := range files {
		fr := &fileResult{File: name}
		res.Files = append(res.Files, fr)
		var in io.Reader
		var err error
		if name == "-" {
			name = "stdin"
			fr.File = name
			if stdinUsed {
				err = errors.New("stdin can be read only once")
			} else {
				stdinUsed = true
				in = os.Stdin
			}
		} else {
			var f *os.File
			if f, err = openFile(name); err == nil {
				in = f
				defer func() { f.Close() }() // also closed below, once read
				opened[in] = f
			}
		}
		lock := model.Unowned
		if err == nil {
			br := bufio.NewReaderSize(in, 1<<16)
			in, lock = br, headerLock(br)
		}
		if err == nil && lock != model.Unowned {
			fr.Lock = lock.String()
			h, _, err := history.ReadMeta(in)
			closeFile(in)
			if err != nil {
				bad = true
				reportBad(fr, name, err, *asJSON, stderr)
				continue
			}
			pathHTML, wantHTML := htmlPaths[i]
			fail, werr := checkOwned(fr, h, lock, *timeout, pathHTML, wantHTML, stdout, *asJSON)
			failed = failed || fail
			if werr != nil {
				bad = true
				fr.Error = fmt.Sprintf("%s: writing the visualization: %v", name, werr)
				fmt.Fprintf(stderr, "lockcheck check: %s\n", fr.Error)
			}
			continue
		}
		fr.Lock = lock.String()
		_, wantHTML := htmlPaths[i]
		var h []history.Op // the whole history, with --full or --html
		var r linear.Result
		if err == nil {
			opts := linear.Options{Timeout: *timeout}
			if *full || wantHTML {
				if h, err = history.Read(in); err == nil {
					r = linear.Check(h, opts)
				}
			} else {
				r, err = linear.CheckReader(in, opts)
			}
			closeFile(in)
		}
		if err != nil {
			bad = true
			reportBad(fr, name, err, *asJSON, stderr)
			continue
		}
		fr.Verdict, fr.Operations, fr.Clients = r.Verdict, r.Operations, r.Clients
		var shown []history.Op // what the timeline and the visualization show
		marks := map[int]string{}
		win := r.Window
		switch {
		case r.Verdict != history.NotLinearizable:
			shown = h
		case *full || win == nil && h != nil:
			shown = h
			if f := r.Failing; f != nil && f.Index >= 0 {
				marks[f.Index] = "◀ cannot be linearized"
			}
		case win != nil:
			shown = win.Ops
			if win.Failing >= 0 {
				marks[win.Failing] = "◀ cannot be linearized"
			}
		}
		if f := r.Failing; f != nil && f.Index >= 0 {
			op := f.Op
			fr.Culprit = &culprit{Index: f.Index, Line: int(op.Call), Client: op.Client, Operation: model.Describe(op.Input, op.Output),
				Found: f.States.String(), At: int(f.Time)}
		}
		if win != nil {
			fr.Window = &window{From: int(win.From), Operations: len(win.Ops), Start: win.Init.String(), Confirmed: win.Confirmed}
			if win.To != math.MaxInt64 {
				fr.Window.To = int(win.To)
			}
		}
		if path, ok := htmlPaths[i]; ok {
			var err error
			if r.Verdict == history.NotLinearizable && !*full && win != nil {
				err = linear.VisualizeWindow(win, path)
			} else {
				pr := history.Check(shown, *timeout)
				err = visualize(shown, pr, marks, path)
			}
			if err != nil {
				bad = true
				fr.Error = fmt.Sprintf("%s: writing the visualization: %v", name, err)
				fmt.Fprintf(stderr, "lockcheck check: %s\n", fr.Error)
			} else {
				fr.HTML = path
			}
		}
		switch r.Verdict {
		case history.Linearizable:
			if !*asJSON {
				fmt.Fprintf(stdout, "%s: linearizable (%d operations, %d clients)\n", name, fr.Operations, fr.Clients)
			}
		case history.NotLinearizable:
			failed = true
			if shown != nil {
				fr.Timeline = history.Timeline(shown, marks)
			}
			if !*asJSON {
				fmt.Fprintf(stdout, "%s: NOT linearizable (%d operations, %d clients)\n", name, fr.Operations, fr.Clients)
				fmt.Fprintln(stdout, "no order of these operations that respects real time is a legal sequence of lock steps")
				if c := fr.Culprit; c != nil {
					fmt.Fprintf(stdout, "%s:%d: the first operation no partial linearization can include: client %d's %s (marked ◀)\n", name, c.Line, c.Client, c.Operation)
					fmt.Fprintf(stdout, "%s:%d: at its return no linearization of the history so far exists; the lock was %s\n", name, c.At, c.Found)
				} else {
					fmt.Fprintf(stdout, "%s: at the end no linearization exists: an operation that never returned cannot explain what others saw\n", name)
				}
				switch w := fr.Window; {
				case fr.Timeline == "":
					fmt.Fprintln(stdout, "\n(the failure is further back than the events kept; rerun with --full for the whole history)")
				case *full || w == nil:
					fmt.Fprintf(stdout, "\nhistory (time runs down; one column per client):\n%s\n", fr.Timeline)
				default:
					to := fmt.Sprintf("line %d", w.To)
					if w.To == 0 {
						to = "the end"
					}
					confirmed := "porcupine agrees"
					if !w.Confirmed {
						confirmed = "porcupine could not confirm it in time"
					}
					ops := fmt.Sprintf("%d operations", w.Operations)
					if w.Operations == 1 {
						ops = "1 operation"
					}
					fmt.Fprintf(stdout, "\nthe shortest part of the history that is not linearizable by itself: line %d to %s, %s, "+
						"starting with the lock %s (%s; operations running at its start are shown from its start with outcome ?, "+
						"those still running at its end as never returned; --full shows the whole history):\n%s\n",
						w.From, to, ops, w.Start, confirmed, fr.Timeline)
				}
			}
		default:
			failed = true
			if !*asJSON {
				fmt.Fprintf(stdout, "%s: undecided: the checker gave up after %v (%d operations, %d clients)\n", name, *timeout, fr.Operations, fr.Clients)
			}
		}
		if fr.HTML != "" && !*asJSON {
			fmt.Fprintf(stdout, "%s: visualization: %s\n", name, fr.HTML)
		}
	}
	switch {
	case bad:
		res.Exit = exitBadData
	case failed:
		res.Exit = exitFail
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	return res.Exit
}

// openFile opens a history file; a directory is an error.
func openFile(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the name is printed already
		}
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, errors.New("is a directory")
	}
	return f, nil
}

// visualize writes porcupine's visualization of a checked history, with the
// marked operations annotated.
func visualize(h []history.Op, r history.Result, marks map[int]string, path string) error {
	ops := history.Operations(h)
	var notes []porcupine.Annotation
	for i, m := range marks {
		notes = append(notes, porcupine.Annotation{ClientId: ops[i].ClientId, Start: ops[i].Call, End: ops[i].Return,
			Tag: "lockcheck", Description: m, BackgroundColor: "#ffd6d6"})
	}
	r.Info.AddAnnotations(notes)
	return history.Visualize(r, path)
}

// reportBad records, and prints unless asJSON, a file that could not be
// read or parsed.
func reportBad(fr *fileResult, name string, err error, asJSON bool, stderr io.Writer) {
	var pe *history.ParseError
	if errors.As(err, &pe) {
		fr.Error, fr.Line = fmt.Sprintf("%s:%d: %s", name, pe.Line, pe.Msg), pe.Line
	} else {
		fr.Error = fmt.Sprintf("%s: %v", name, err)
	}
	if !asJSON {
		fmt.Fprintln(stderr, fr.Error)
	}
}

// headerLock returns the lock named by the header line of the file br
// reads, without consuming it: model.Unowned when the first non-blank line is
// not a valid header (the reader then reports what is wrong with it).
func headerLock(br *bufio.Reader) model.Semantics {
	b, _ := br.Peek(br.Size())
	for len(b) > 0 {
		line, rest, _ := strings.Cut(string(b), "\n")
		b = []byte(rest)
		if strings.TrimSpace(line) == "" {
			continue
		}
		var h struct {
			Process *int    `json:"process"`
			Lock    *string `json:"lock"`
		}
		if json.Unmarshal([]byte(line), &h) != nil || h.Process != nil || h.Lock == nil {
			return model.Unowned
		}
		sem, _ := model.ParseSemantics(*h.Lock)
		return sem
	}
	return model.Unowned
}

// checkOwned checks the history of an owned or reentrant lock h with
// porcupine, fills fr and prints the outcome as for other files (the
// timeline is of the whole history). It reports whether the history
// failed, and the error of writing the visualization, if any.
func checkOwned(fr *fileResult, h []history.Op, lock model.Semantics, timeout time.Duration, htmlPath string, wantHTML bool,
	stdout io.Writer, asJSON bool) (failed bool, werr error) {
	name := fr.File
	r := history.CheckOf(h, lock, timeout)
	fr.Verdict, fr.Operations, fr.Clients = r.Verdict, len(h), history.Clients(h)
	of := fmt.Sprintf("; %s lock", lock)
	marks := map[int]string{}
	if r.Culprit >= 0 {
		op := h[r.Culprit]
		fr.Culprit = &culprit{Index: r.Culprit, Line: int(op.Call), Client: op.Client, Operation: model.Describe(op.Input, op.Output)}
		marks[r.Culprit] = "◀ cannot be linearized"
	}
	if wantHTML {
		if werr = visualize(h, r, marks, htmlPath); werr == nil {
			fr.HTML = htmlPath
		}
	}
	switch r.Verdict {
	case history.Linearizable:
		if !asJSON {
			fmt.Fprintf(stdout, "%s: linearizable (%d operations, %d clients%s)\n", name, fr.Operations, fr.Clients, of)
		}
	case history.NotLinearizable:
		failed = true
		fr.Timeline = history.Timeline(h, marks)
		if !asJSON {
			fmt.Fprintf(stdout, "%s: NOT linearizable (%d operations, %d clients%s)\n", name, fr.Operations, fr.Clients, of)
			fmt.Fprintln(stdout, "no order of these operations that respects real time is a legal sequence of lock steps")
			if c := fr.Culprit; c != nil {
				fmt.Fprintf(stdout, "%s:%d: the first operation no partial linearization can include: client %d's %s (marked ◀)\n", name, c.Line, c.Client, c.Operation)
			}
			fmt.Fprintf(stdout, "\nhistory (time runs down; one column per client):\n%s\n", fr.Timeline)
		}
	default:
		failed = true
		if !asJSON {
			fmt.Fprintf(stdout, "%s: undecided: the checker gave up after %v (%d operations, %d clients%s)\n", name, timeout, fr.Operations, fr.Clients, of)
		}
	}
	if fr.HTML != "" && !asJSON {
		fmt.Fprintf(stdout, "%s: visualization: %s\n", name, fr.HTML)
	}
	return failed, werr
}
