package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

const checkUsage = `usage: lockcheck check [--html OUT] [--timeout D] [--json] FILE...

Checks recorded histories (the JSON Lines history format, as written by
'lockcheck run --record') for linearizability against the lock's model. FILE
"-" is stdin. A file whose first line is {"lock": "owned"} or
{"lock": "reentrant"} is of an owned lock (only the holder may release it; a
reentrant one counts its holder's acquisitions) and is checked against that
model; a file without such a line is of an unowned lock. For a history that is not linearizable it prints a text
timeline, one column per client, with the first operation that no
linearization can include marked.

--html OUT writes porcupine's visualization of every history that parses: with
one FILE to the file OUT, with several into the directory OUT (NAME.html for
FILE NAME.jsonl).

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
	Timeline   string          `json:"timeline,omitempty"` // for a history that is not linearizable
	HTML       string          `json:"html,omitempty"`
	Error      string          `json:"error,omitempty"` // bad input: "FILE:LINE: what is wrong"
	Line       int             `json:"line,omitempty"`  // the line of Error, if known
}

// culprit is the first operation (by call) that no partial linearization
// includes.
type culprit struct {
	Index     int    `json:"index"`     // in the history, in the order of invocations
	Line      int    `json:"line"`      // of its invocation in the file
	Client    int    `json:"client"`    // its process
	Operation string `json:"operation"` // e.g. "try_acquire() → true"
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", checkUsage, stderr)
	html := fs.String("html", "", "write porcupine's visualization to `OUT` (a file for one FILE, a directory for several)")
	timeout := fs.Duration("timeout", time.Minute, "give up checking one history after `D` (0: never)")
	asJSON := fs.Bool("json", false, "print one JSON result object on stdout")
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
	for i, name := range files {
		fr := &fileResult{File: name}
		res.Files = append(res.Files, fr)
		var h []history.Op
		var meta history.Meta
		var err error
		if name == "-" {
			name = "stdin"
			fr.File = name
			if stdinUsed {
				err = errors.New("stdin can be read only once")
			} else {
				stdinUsed = true
				h, meta, err = history.ReadMeta(os.Stdin)
			}
		} else {
			h, meta, err = readFile(name)
		}
		if err != nil {
			bad = true
			var pe *history.ParseError
			if errors.As(err, &pe) {
				fr.Error, fr.Line = fmt.Sprintf("%s:%d: %s", name, pe.Line, pe.Msg), pe.Line
			} else {
				fr.Error = fmt.Sprintf("%s: %v", name, err)
			}
			if !*asJSON {
				fmt.Fprintln(stderr, fr.Error)
			}
			continue
		}
		r := history.CheckOf(h, meta.Lock, *timeout)
		fr.Verdict, fr.Operations, fr.Clients, fr.Lock = r.Verdict, len(h), history.Clients(h), meta.Lock.String()
		of := ""
		if meta.Lock != model.Unowned {
			of = fmt.Sprintf("; %s lock", meta.Lock)
		}
		marks := map[int]string{}
		if r.Culprit >= 0 {
			op := h[r.Culprit]
			fr.Culprit = &culprit{Index: r.Culprit, Line: int(op.Call), Client: op.Client, Operation: model.Describe(op.Input, op.Output)}
			marks[r.Culprit] = "◀ cannot be linearized"
		}
		if path, ok := htmlPaths[i]; ok {
			if err := visualize(h, r, marks, path); err != nil {
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
				fmt.Fprintf(stdout, "%s: linearizable (%d operations, %d clients%s)\n", name, fr.Operations, fr.Clients, of)
			}
		case history.NotLinearizable:
			failed = true
			fr.Timeline = history.Timeline(h, marks)
			if !*asJSON {
				fmt.Fprintf(stdout, "%s: NOT linearizable (%d operations, %d clients%s)\n", name, fr.Operations, fr.Clients, of)
				fmt.Fprintln(stdout, "no order of these operations that respects real time is a legal sequence of lock steps")
				if c := fr.Culprit; c != nil {
					fmt.Fprintf(stdout, "%s:%d: the first operation no partial linearization can include: client %d's %s (marked ◀)\n", name, c.Line, c.Client, c.Operation)
				}
				fmt.Fprintf(stdout, "\nhistory (time runs down; one column per client):\n%s\n", fr.Timeline)
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

func readFile(name string) ([]history.Op, history.Meta, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the name is printed already
		}
		return nil, history.Meta{}, err
	}
	defer f.Close()
	return history.ReadMeta(f)
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
