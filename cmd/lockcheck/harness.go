package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/lockcheck/lockcheck/driver"
	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
	"github.com/lockcheck/lockcheck/zoo"
)

// zooAll lists the locks of the command without arguments; tests replace
// it.
var zooAll = zoo.All

const allUsage = `usage: lockcheck [--duration D] [--shrink D] [--html DIR] [--json] [--progress]

Runs the harness on lock.Lock and on every lock of the zoo, one after the
other, and prints a table: lock, expected verdict, verdict, histories,
operations, time. A correct lock is expected to pass; a broken lock to fail
with its known kind of failure. Exits 0 when every verdict is the expected
one, 1 otherwise, 2 on a usage error. Failures that were not expected are
shown in full after the table. Each correct lock is checked for --duration
(default 1s); each broken lock is searched for up to ten times as long, since
that search ends as soon as it finds the bug. See 'lockcheck help' for the
other commands.
`

func expectedVerdict(e zoo.Entry) string {
	if e.Correct {
		return verdictPass
	}
	return string(e.Expect)
}

// brokenBudget multiplies --duration for the zoo's broken locks.
const brokenBudget = 10

func cmdAll(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("lockcheck", allUsage, stderr)
	var h harnessFlags
	h.register(fs, stderr, time.Second, time.Second, false)
	if code, done := parse(fs, args, stdout); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "", "unexpected argument %q (commands come first: lockcheck COMMAND [FLAGS])", fs.Arg(0))
	}
	defaults, set, err := h.options(fs)
	if err != nil {
		return usageError(stderr, "", "%v", err)
	}
	htmlDir, tmp := h.html, false
	if htmlDir == "" {
		if htmlDir, err = os.MkdirTemp("", "lockcheck-zoo-"); err != nil {
			fmt.Fprintf(stderr, "lockcheck: %v\n", err)
			return exitBadUse
		}
		tmp = true
	}
	prog := newProgress(stderr, h.progress)
	entries := zooAll()
	res := &result{Command: "lockcheck"}
	// The table is written a row at a time, as the verdicts come in.
	nameW, kindW := len("LOCK"), len("EXPECTED")
	for _, e := range entries {
		nameW, kindW = max(nameW, len(e.Name)), max(kindW, len(expectedVerdict(e)))
	}
	row := func(cells ...any) {
		if !h.json {
			line := fmt.Sprintf("%-*s  %-*s  %-*s  %9v  %10v  %7v  %v", nameW, cells[0], kindW, cells[1], kindW, cells[2], cells[3], cells[4], cells[5], cells[6])
			fmt.Fprintln(stdout, strings.TrimRight(line, " "))
		}
	}
	row("LOCK", "EXPECTED", "VERDICT", "HISTORIES", "OPERATIONS", "TIME", "")
	var unexpected []string
	var details strings.Builder
	var htmls int
	for i, e := range entries {
		o := append(append(append([]sim.Option{}, defaults...), e.Options...), set...)
		if !e.Correct {
			// The search for a known bug stops when it finds it: give it
			// room, so that a rare race is not reported as a miss.
			o = append(o, sim.WithDuration(brokenBudget*h.duration))
		}
		o = append(o, sim.WithHTMLDir(filepath.Join(htmlDir, e.Name)), prog.option(fmt.Sprintf("[%d/%d] %s", i+1, len(entries), e.Name)))
		rep, err := sim.RunLock(e.New, o...)
		prog.clear()
		var r *RunResult
		if err != nil {
			r = &RunResult{Impl: e.Name, Verdict: "error", Err: err.Error()}
		} else {
			r = newRunResult(e.Name, rep)
			if rep.Failure != nil && rep.Failure.HTML != "" {
				htmls++
			}
		}
		r.Expected = expectedVerdict(e)
		res.Locks = append(res.Locks, r)
		mark := ""
		if r.Verdict != r.Expected {
			mark = "✗ unexpected"
			unexpected = append(unexpected, e.Name)
			fmt.Fprintf(&details, "\n%s: expected %s, got %s\n", e.Name, r.Expected, r.Verdict)
			switch {
			case err != nil:
				fmt.Fprintf(&details, "%v\n", err)
			case rep.Failure != nil:
				details.WriteString(rep.Failure.Error())
			default:
				fmt.Fprintf(&details, "the harness found no failure in %s; the bug: %s\n", counts(rep), e.Bug)
			}
		}
		row(r.Impl, r.Expected, r.Verdict, r.Histories, r.Operations, time.Duration(r.Elapsed*float64(time.Second)).Round(10*time.Millisecond), mark)
	}
	if tmp && htmls == 0 {
		_ = os.RemoveAll(htmlDir)
	}
	res.Exit = exitOK
	if len(unexpected) > 0 {
		res.Exit = exitFail
	}
	if h.json {
		return writeJSON(stdout, res)
	}
	if htmls > 0 {
		fmt.Fprintf(stdout, "\nvisualizations of the failures: %s\n", htmlDir)
	}
	if len(unexpected) == 0 {
		fmt.Fprintf(stdout, "\nall %d verdicts as expected\n", len(entries))
		return exitOK
	}
	fmt.Fprintf(stdout, "%s\n%d of %d verdicts unexpected: %s\n", details.String(), len(unexpected), len(entries), strings.Join(unexpected, ", "))
	return exitFail
}

const runUsage = `usage: lockcheck run [--impl NAME] [--duration D] [--shrink D] [--clients N] [--seed S]
                     [--html DIR] [--record DIR] [--json] [--progress]

Runs the harness on one lock of the zoo (see 'lockcheck list'; default
"lock", the repository's lock.Lock). Exits 0 when the lock passed, 1 when a
failure was found (printed with its minimized scenario and history), 2 on a
usage error.
`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", runUsage, stderr)
	var h harnessFlags
	h.register(fs, stderr, 3*time.Second, 5*time.Second, true)
	impl := fs.String("impl", "lock", "the zoo's lock `NAME` to test")
	if code, done := parse(fs, args, stdout); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "run", "unexpected argument %q", fs.Arg(0))
	}
	entry, ok := zoo.Lookup(*impl)
	if !ok {
		return usageError(stderr, "run", "no lock %q in the zoo; there are: %s", *impl, strings.Join(zooNames(), ", "))
	}
	defaults, set, err := h.options(fs)
	if err != nil {
		return usageError(stderr, "run", "%v", err)
	}
	prog := newProgress(stderr, h.progress)
	o := append(append(append([]sim.Option{}, defaults...), entry.Options...), set...)
	rep, err := sim.RunLock(entry.New, append(o, prog.option(entry.Name))...)
	prog.clear()
	res := &result{Command: "run"}
	if err != nil {
		res.Exit, res.Error = exitBadUse, err.Error()
		if h.json {
			return writeJSON(stdout, res)
		}
		fmt.Fprintf(stderr, "lockcheck run: %v\n", err)
		return exitBadUse
	}
	res.RunResult = newRunResult(entry.Name, rep)
	res.Expected = expectedVerdict(entry)
	res.Exit = exitOK
	if rep.Failure != nil {
		res.Exit = exitFail
	}
	if h.json {
		return writeJSON(stdout, res)
	}
	if rep.Failure != nil {
		fmt.Fprintln(stdout, rep.Failure.Error())
	}
	fmt.Fprintf(stdout, "lockcheck run: %s: %s: %s", entry.Name, res.Verdict, counts(rep))
	if !entry.Correct {
		fmt.Fprintf(stdout, " (this lock is broken; expected: %s)", res.Expected)
	}
	fmt.Fprintln(stdout)
	return res.Exit
}

func zooNames() []string {
	var names []string
	for _, e := range zoo.All() {
		names = append(names, e.Name)
	}
	return names
}

const listUsage = `usage: lockcheck list

Lists the locks of the zoo: name, expected verdict, and the bug of the broken
ones.
`

func cmdList(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("list", listUsage, stderr)
	if code, done := parse(fs, args, stdout); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "list", "unexpected argument %q", fs.Arg(0))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOCK\tEXPECTED\tBUG")
	for _, e := range zoo.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Name, expectedVerdict(e), e.Bug)
	}
	tw.Flush()
	return exitOK
}

const driveUsage = `usage: lockcheck drive [--owned | --reentrant] [--clients N] [--duration D] [--shrink D] [--seed S]
                       [--html DIR] [--record DIR] [--json] [--progress] -- COMMAND [ARGS...]

Runs the harness on a lock in another process: COMMAND is started as a driver
that speaks the driver protocol on its stdin and stdout (see
drivers/python/README.md). Every run needs a fresh lock: a driver that offers
reset gets one between runs and serves many, others are started once for every
run. --duration counts from the first driver's hello line. Every driver is
killed and reaped at the end.

--owned checks an owned lock: only the client that holds it may release it
(each client is its own owner: the driver must run each client's requests on
a thread of its own); a release by any other client must report an error and
change nothing. --reentrant (which implies --owned) checks an owned,
reentrant lock, such as Python's RLock or Java's ReentrantLock: the holder's
further acquisitions succeed at once and count, and the lock is free after as
many releases. Without them the lock is unowned, like Python's Lock: any
client may release it.

Exit status:
  0  the lock passed
  1  a linearizability violation; a blocking acquire, or a timed one with
     time left, stuck although the lock was released; or a timed acquire
     that gave up before its timeout: a bug of the lock
  2  the driver misbehaved: it exited, printed garbage, broke the protocol,
     or never answered within the deadline (a bounded operation -- try_acquire,
     acquire_timeout, release, locked -- unanswered well past its bound: a lock
     cannot hold those up, so the driver is blamed); or a usage error
`

func cmdDrive(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("drive", driveUsage, stderr)
	var h harnessFlags
	h.register(fs, stderr, 3*time.Second, 5*time.Second, true)
	owned := fs.Bool("owned", false, "the lock is owned: only its holder may release it")
	reentrant := fs.Bool("reentrant", false, "the lock is owned and reentrant (implies --owned)")
	if code, done := parse(fs, args, stdout); done {
		return code
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return usageError(stderr, "drive", "no driver COMMAND given (lockcheck drive [FLAGS] -- COMMAND [ARGS...])")
	}
	defaults, set, err := h.options(fs)
	if err != nil {
		return usageError(stderr, "drive", "%v", err)
	}
	opts := append(defaults, set...)
	lockKind := model.Unowned
	switch {
	case *reentrant:
		opts, lockKind = append(opts, sim.WithReentrancy()), model.Reentrant
	case *owned:
		opts, lockKind = append(opts, sim.WithOwnership()), model.Owned
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool := driver.NewPool(ctx, argv, driver.Options{}, 0)
	// --duration is for the search, not for the driver's start-up (a JVM's
	// takes seconds); a failed start is reported by the search's first run.
	_ = pool.Ready()
	prog := newProgress(stderr, h.progress)
	rep, err := sim.Run(pool.Target, append(opts, prog.option(filepath.Base(argv[0])))...)
	prog.clear()
	_ = pool.Close()

	res := &result{Command: "drive", Driver: argv, Lock: lockKind.String()}
	for _, k := range pool.Ops() {
		res.Ops = append(res.Ops, k.String())
	}
	var out strings.Builder
	res.Exit = classifyDrive(&out, res, rep, err, pool, ctx)
	if h.json {
		return writeJSON(stdout, res)
	}
	w := stdout
	if res.Exit == exitBadUse && res.DriverErr == nil && res.RunResult == nil {
		w = stderr // not a verdict: the driver could not be run
	}
	fmt.Fprint(w, out.String())
	return res.Exit
}

// classifyDrive decides drive's exit status and writes its report.
func classifyDrive(out io.Writer, res *result, rep *sim.Report, err error, pool *driver.Pool, ctx context.Context) int {
	misbehaved := func(de *driver.Error) {
		res.DriverErr = &driverFailure{Kind: string(de.Kind), Message: de.Msg, Stderr: de.Stderr}
		fmt.Fprintf(out, "lockcheck drive: %v", de)
		if !strings.HasSuffix(de.Error(), "\n") {
			fmt.Fprintln(out)
		}
		if de.Stderr == "" {
			fmt.Fprintln(out, "(the driver wrote nothing to its stderr)")
		}
	}
	if err != nil {
		res.Error = err.Error()
		var de *driver.Error
		switch {
		case ctx.Err() != nil:
			fmt.Fprintln(out, "lockcheck drive: interrupted")
		case errors.As(err, &de):
			misbehaved(de)
		default:
			fmt.Fprintf(out, "lockcheck drive: %v\n", err)
		}
		return exitDriver
	}
	res.RunResult = newRunResult("", rep)
	f := rep.Failure
	tail := func() {
		if f != nil && len(f.History) > 0 {
			fmt.Fprintf(out, "\nminimized scenario: %s\n\nhistory (time runs down; one column per client):\n%s", f.Scenario, history.Timeline(f.History, f.Marks))
		}
		fmt.Fprintf(out, "\n%s\n", counts(rep))
	}
	switch {
	case f == nil:
		fmt.Fprintf(out, "lockcheck drive: pass: %s\n  offers: %s\n", strings.Join(res.Driver, " "), strings.Join(res.Ops, " "))
		if res.Lock != model.Unowned.String() {
			fmt.Fprintf(out, "  checked as: %s lock\n", res.Lock)
		}
		fmt.Fprintf(out, "  %s\n", counts(rep))
		return exitOK
	case f.Kind == sim.TargetFailed:
		if de := pool.LastErr(); de != nil {
			misbehaved(de)
			f.History = unanswered(f.History, de.Sent, de.Answered)
			res.Failure.Timeline = history.Timeline(f.History, f.Marks)
		} else {
			fmt.Fprintf(out, "lockcheck drive: the driver failed: %s\n", f.Summary)
		}
		tail()
		return exitDriver
	case f.Kind == sim.Stuck && boundedStuck(f):
		res.DriverErr = &driverFailure{Kind: string(driver.NoAnswer), Message: f.Summary}
		fmt.Fprintf(out, "lockcheck drive: driver %s: %s\n", driver.NoAnswer.Phrase(), f.Summary)
		tail()
		return exitDriver
	case f.Kind == sim.Violation || f.Kind == sim.Stuck || f.Kind == sim.Early || f.Kind == sim.Inconclusive:
		fmt.Fprintln(out, f.Error())
		fmt.Fprintf(out, "lockcheck drive: %s: %s\n", f.Kind, counts(rep))
		return exitFail
	}
	// A broken contract: for a driver, only the harness's side can break
	// one (the protocol has no acquire_context).
	fmt.Fprintln(out, f.Error())
	return exitDriver
}

// unanswered rewrites the history of a run whose driver broke: the
// operations that returned only because the driver broke become operations
// that never returned if their request was sent, and are left out if it was
// not.
func unanswered(h []history.Op, sent, answered map[int]int) []history.Op {
	if sent == nil || answered == nil {
		return h
	}
	idx := make([]int, len(h))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(h[a].Call, h[b].Call) })
	var out []history.Op
	seen := map[int]int{}
	for _, i := range idx {
		op := h[i]
		k := seen[op.Client]
		seen[op.Client]++
		switch {
		case k >= sent[op.Client]:
			continue
		case k >= answered[op.Client]:
			op.Output, op.Return = model.Output{Pending: true}, history.Never
		}
		out = append(out, op)
	}
	return out
}

// boundedStuck reports whether a stuck run was stuck on a bounded
// operation: one that was still in flight, is not a blocking acquire, and
// is not a timed acquire that the watchdog judged stuck with time left (a
// waiter on a free lock, like a blocking acquire: sim.MarkTimeLeft).
func boundedStuck(f *sim.Failure) bool {
	for i, op := range f.History {
		if op.Output.Pending && op.Input.Kind != model.Acquire && f.Marks[i] != sim.MarkTimeLeft {
			return true
		}
	}
	return false
}
