// Command lockcheck tests locks for linearizability and liveness: it runs
// the harness on the repository's lock and on the zoo of reference and broken
// locks, on a lock in another process that speaks the driver protocol, and
// checks recorded histories.
//
// Usage:
//
//	lockcheck [--duration D] [--shrink D] [--html DIR] [--json] [--progress]
//	lockcheck run [--impl NAME] [--duration D] [--shrink D] [--clients N] [--seed S]
//	              [--html DIR] [--record DIR] [--json] [--progress]
//	lockcheck check [--html OUT] [--full] [--timeout D] [--json] FILE...
//	lockcheck drive [--owned | --reentrant] [--clients N] [--duration D] [--shrink D] [--seed S]
//	                [--html DIR] [--record DIR] [--json] [--progress] -- COMMAND [ARGS...]
//	lockcheck list
//	lockcheck test [lockcheck flags] [go test flags] [packages]
//
// Without a command, lockcheck runs the harness on lock.Lock and every lock
// of the zoo, one after the other (1s each by default, plus up to 1s to
// minimize a failure), and prints a table of verdicts: lock, expected
// verdict, verdict, histories, operations, time.
//
// # Exit status
//
//	lockcheck (no command)  0 every verdict is the expected one; 1 some is not
//	run                     0 the lock passed; 1 a failure was found
//	check                   0 every history is linearizable; 1 some is not, or
//	                        the checker could not decide within --timeout
//	drive                   0 pass; 1 a linearizability violation, a blocking
//	                        acquire (or a timed one with time left) stuck, or
//	                        a timed acquire that gave up before its timeout
//	                        (a bug of the lock); 2 the driver
//	                        misbehaved: it exited, printed garbage, broke the
//	                        protocol, or never answered a bounded request
//	                        within the deadline
//	all commands            2 usage errors and bad input: a history file that
//	                        does not parse is reported as FILE:LINE: message
//
// # Stuck operations of a driver
//
// The harness's watchdog reports a run stuck when a blocking acquire, or a
// timed acquire with time left (marked sim.MarkTimeLeft), is not answered
// although the lock was released, or when a bounded operation (try_acquire,
// release, locked, acquire_timeout) is not answered 2s (Run's stuck timeout)
// after its bound. A lock cannot legitimately hold up a bounded operation past
// its bound, so in drive the second case is the driver's fault: it exits 2
// ("never answered within the deadline"), and only a stuck waiter exits 1. (The
// driver package reports such a request itself, as a NoAnswer misbehaviour,
// when the run is closed with it 250ms or more past its bound, or when it
// is 5s past its bound; drive also applies the rule to a stuck run whose
// history has a bounded operation in flight.)
//
// # Progress and JSON
//
// While the harness runs, a progress line (histories, operations, elapsed
// time) is written to stderr when stderr is a terminal; --progress forces it
// on (as one line per second when stderr is not a terminal) and
// --progress=false off. With --json, run, check, drive and the zoo table print
// one JSON object on stdout instead of the text report; it carries "exit" (the
// exit status) and "ok". Usage errors are reported on stderr only.
//
// --seed sets the seed of rapid, the generator of scenarios (the same as the
// rapid.seed flag or the RAPID_SEED environment variable of tests). Scenario
// generation is then repeatable; the interleavings of a run are not.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFail    = 1
	exitBadUse  = 2
	exitBadData = 2
	exitDriver  = 2
)

const usageText = `lockcheck tests locks for linearizability and liveness.

Usage:
  lockcheck [--duration D] [--shrink D] [--html DIR] [--json] [--progress]
      run the harness on lock.Lock and every lock of the zoo; print a table of
      verdicts; exit 0 when every verdict is the expected one
  lockcheck run [--impl NAME] [--duration D] [--shrink D] [--clients N] [--seed S]
                [--html DIR] [--record DIR] [--json] [--progress]
      run the harness on one lock of the zoo (default "lock")
  lockcheck check [--html OUT] [--full] [--timeout D] [--json] FILE...
      check recorded histories (JSON Lines) for linearizability
  lockcheck drive [--owned | --reentrant] [--clients N] [--duration D] [--shrink D]
                  [--seed S] [--html DIR] [--record DIR] [--json] [--progress] -- COMMAND [ARGS...]
      run the harness on a lock in another process that speaks the driver
      protocol (see drivers/python/README.md); --owned: only the holder may
      release it; --reentrant: owned, and the holder's acquisitions count
  lockcheck list
      list the locks of the zoo
  lockcheck test [-replay=TOKEN] [-lockcheck.list] [go test flags] [packages]
      go test with instrumentation on: the harness explores schedules under
      the controlled scheduler (controlled mode)
  lockcheck COMMAND -h
      help on a command

Exit status:
  lockcheck  0 every verdict as expected; 1 some verdict is not
  run        0 the lock passed; 1 a failure was found
  check      0 every history is linearizable; 1 some is not (or undecided)
  drive      0 pass; 1 a violation, a stuck waiter, or a timed acquire that
             gave up before its timeout (a lock bug);
             2 the driver misbehaved (exited, printed garbage, broke the
             protocol, never answered a bounded request within the deadline)
  all        2 usage errors and bad input (FILE:LINE: what is wrong)

A progress line goes to stderr when it is a terminal (--progress=true|false
to force). --json prints one JSON result object on stdout.
`

// run is the command: it parses args, writes its report to stdout and
// diagnostics to stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "lockcheck: internal error: %v\n", p)
			code = exitBadUse
		}
	}()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprint(stdout, usageText)
			return exitOK
		}
		return cmdAll(args, stdout, stderr)
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stdout, stderr)
	case "drive":
		return cmdDrive(args[1:], stdout, stderr)
	case "list":
		return cmdList(args[1:], stdout, stderr)
	case "test":
		return cmdTest(args[1:], stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintf(stderr, "lockcheck: unknown command %q\n\n%s", args[0], usageText)
	return exitBadUse
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" || a == "--h" }

// newFlags returns a flag set whose usage is usage followed by the flags.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; done reports that the command should end with code
// (help was asked for, or the flags were bad).
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	usage := fs.Usage
	fs.Usage = func() {} // printed below, where it belongs
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		stderr := fs.Output()
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return exitOK, true
	case err != nil:
		fs.Usage() // after the flag package's message, on stderr
		return exitBadUse, true
	}
	return 0, false
}

// usageError reports a bad use of a command.
func usageError(stderr io.Writer, cmd, format string, args ...any) int {
	name := strings.TrimSpace("lockcheck " + cmd)
	fmt.Fprintf(stderr, "%s: %s\n(run '%s -h' for help)\n", name, fmt.Sprintf(format, args...), name)
	return exitBadUse
}
