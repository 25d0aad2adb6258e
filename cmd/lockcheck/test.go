package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/lockcheck/lockcheck/instrument"
)

const testUsage = `usage: lockcheck test [lockcheck flags] [go test flags] [packages]

Runs go test on the packages with instrumentation on: the packages, their
test files and their dependencies outside the standard library (never the
harness) are rewritten so that every synchronisation point calls the
controlled scheduler, and built with go test -overlay. In such a test binary
sim.Check, sim.Run and sim.RunLock explore schedules under the controlled
scheduler; a plain go test keeps stress mode. The sources are not modified.

lockcheck flags (one or two dashes):
  -replay=TOKEN      replay a failure: passed to the tests as LOCKCHECK_REPLAY
  -lockcheck.list    list the instrumented packages, files and problems
  -lockcheck.work    keep the directory of rewritten files and print its name

Every other flag and argument goes to go test unchanged (-run, -count, -race,
-v, -timeout, -tags …; the build flags also apply to listing the packages),
except -C DIR, which makes lockcheck run its go commands in DIR; -overlay and
-modfile are lockcheck test's own.

Exhaustive exploration: with LOCKCHECK_EXHAUSTIVE=N,M[,K] in the environment,
every sim.Check of the tests explores every scenario of at most N clients
with at most M operations in all, each under every schedule with at most K
preemptions (default 2), instead of sampling; sim.Exhaustive does it always.

A package that does not build once instrumented is named with the compiler's
messages and tested in stress mode (plain go test). What the scheduler cannot
control (cgo, system calls, go:linkname, channel operations through reflect,
unsafe conversions of sync types) is listed with file:line; the harness tests
locks of such a package in stress mode and says why.

Exit status: go test's (the largest of its runs, when a package was tested
in stress mode separately); 2 for a usage error.
`

// goBuildValueFlags are the go build and go test flags that take a value
// in the next argument when written without "=".
var goBuildValueFlags = map[string]bool{
	"C": true, "p": true, "tags": true, "gcflags": true, "ldflags": true, "asmflags": true,
	"gccgoflags": true, "mod": true, "modfile": true, "overlay": true, "pgo": true, "pkgdir": true,
	"toolexec": true, "compiler": true, "installsuffix": true, "buildmode": true,
	"covermode": true, "coverpkg": true, "o": true, "exec": true, "vet": true,
	"run": true, "skip": true, "bench": true, "benchtime": true, "count": true, "coverprofile": true,
	"cpu": true, "parallel": true, "timeout": true, "blockprofile": true, "blockprofilerate": true,
	"cpuprofile": true, "memprofile": true, "memprofilerate": true, "mutexprofile": true,
	"mutexprofilefraction": true, "outputdir": true, "trace": true, "fuzz": true, "fuzztime": true,
	"fuzzminimizetime": true, "list": true, "shuffle": true,
}

// listFlags are the build flags that also change which files go list sees
// or how go list -export compiles them.
var listFlags = map[string]bool{
	"tags": true, "race": true, "msan": true, "asan": true, "mod": true, "modfile": true,
	"gcflags": true, "trimpath": true, "pgo": true, "toolexec": true, "compiler": true,
	"cover": true, "covermode": true, "coverpkg": true,
}

// testArgs is the command line of lockcheck test, split.
type testArgs struct {
	replay   string
	hasRepl  bool
	dir      string // -C
	list     bool
	work     bool
	goArgs   []string // for go test, without lockcheck's flags
	patterns []int    // indexes in goArgs of the package patterns
	listArgs []string // build flags for go list
}

func flagName(a string) (name, value string, hasValue bool) {
	name = strings.TrimLeft(a, "-")
	if i := strings.Index(name, "="); i >= 0 {
		return name[:i], name[i+1:], true
	}
	return name, "", false
}

// parseTestArgs splits args; it returns an error for a lockcheck flag
// without its value.
func parseTestArgs(args []string) (*testArgs, error) {
	t := &testArgs{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-args" || a == "--args" {
			t.goArgs = append(t.goArgs, args[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			t.patterns = append(t.patterns, len(t.goArgs))
			t.goArgs = append(t.goArgs, a)
			continue
		}
		name, value, hasValue := flagName(a)
		switch name {
		case "C":
			// go wants -C first; lockcheck runs its go commands there.
			if !hasValue {
				if i+1 >= len(args) {
					return nil, errors.New("flag -C needs a directory")
				}
				i++
				value = args[i]
			}
			t.dir = value
			continue
		case "replay":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, errors.New("flag -replay needs a value (a replay token)")
				}
				i++
				value = args[i]
			}
			t.replay, t.hasRepl = value, true
			continue
		case "lockcheck.list", "lockcheck.work":
			on := !hasValue || value == "true" || value == "1"
			if name == "lockcheck.list" {
				t.list = on
			} else {
				t.work = on
			}
			continue
		}
		group := []string{a}
		if !hasValue && goBuildValueFlags[name] && i+1 < len(args) {
			i++
			group = append(group, args[i])
		}
		t.goArgs = append(t.goArgs, group...)
		if listFlags[name] {
			t.listArgs = append(t.listArgs, group...)
		}
		if name == "overlay" || name == "modfile" {
			return nil, fmt.Errorf("-%s cannot be combined with instrumentation (lockcheck test writes its own)", name)
		}
	}
	return t, nil
}

// goArgsWith is goArgs with the package patterns replaced by pkgs.
func (t *testArgs) goArgsWith(pkgs []string) []string {
	var out []string
	isPat := map[int]bool{}
	for _, i := range t.patterns {
		isPat[i] = true
	}
	inserted := false
	for i, a := range t.goArgs {
		if isPat[i] || (!inserted && (a == "-args" || a == "--args")) {
			if !inserted {
				out = append(out, pkgs...)
				inserted = true
			}
			if isPat[i] {
				continue
			}
		}
		out = append(out, a)
	}
	if !inserted {
		out = append(out, pkgs...)
	}
	return out
}

func cmdTest(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-args" || a == "--args" {
			break
		}
		if isHelp(a) {
			fmt.Fprint(stdout, testUsage)
			return exitOK
		}
	}
	t, err := parseTestArgs(args)
	if err != nil {
		return usageError(stderr, "test", "%v", err)
	}
	var patterns []string
	for _, i := range t.patterns {
		patterns = append(patterns, t.goArgs[i])
	}
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	env := os.Environ()
	if t.hasRepl {
		env = append(env, "LOCKCHECK_REPLAY="+t.replay)
	}
	// An interrupt stops the go commands (go test gets it too, from the
	// terminal) and lets the temporary files be removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := instrument.Config{Dir: t.dir, BuildFlags: t.listArgs, Patterns: patterns, Env: os.Environ()}
	say := func(format string, args ...any) { fmt.Fprintf(stderr, "lockcheck test: "+format+"\n", args...) }

	ov, err := instrument.Prepare(ctx, cfg)
	if errors.Is(err, instrument.ErrNothing) {
		say("%s: %v; testing in stress mode (plain go test)", strings.Join(patterns, " "), err)
		return goTest(ctx, t.dir, t.goArgs, nil, env, stdout, stderr)
	}
	if err != nil {
		say("cannot instrument %s: %v", strings.Join(patterns, " "), err)
		say("testing %s in stress mode (plain go test)", strings.Join(patterns, " "))
		return goTest(ctx, t.dir, t.goArgs, nil, env, stdout, stderr)
	}
	if t.work {
		say("rewritten files in %s (kept)", ov.Dir)
	} else {
		defer ov.Close()
	}

	// Drop what does not build instrumented, until the rest does. Each round
	// drops at least one package, so this ends.
	stress := map[string]bool{} // roots to test with plain go test
	for round := 0; ; round++ {
		broken, err := ov.Check(ctx, cfg)
		if err != nil {
			say("cannot build %s with instrumentation: %v", strings.Join(patterns, " "), err)
			say("testing %s in stress mode (plain go test)", strings.Join(patterns, " "))
			return goTest(ctx, t.dir, t.goArgs, nil, env, stdout, stderr)
		}
		if len(broken) == 0 {
			break
		}
		for _, b := range broken {
			p := ov.Package(b.ImportPath)
			root := ""
			if p != nil {
				root = p.Root
			}
			if root != "" {
				what := "it is"
				if root != b.ImportPath {
					what = root + " is"
				}
				say("package %s does not build when instrumented, so %s tested in stress mode (plain go test):\n%s",
					b.ImportPath, what, indent(b.Err))
				stress[root] = true
				for _, q := range append([]*instrument.Package{}, ov.Packages...) {
					if q.Root == root {
						_ = ov.Drop(q.ImportPath)
					}
				}
			} else {
				say("package %s does not build when instrumented; it is left uninstrumented (its locks are tested in stress mode):\n%s",
					b.ImportPath, indent(b.Err))
			}
			if err := ov.Drop(b.ImportPath); err != nil {
				say("%v", err)
				return exitBadUse
			}
		}
	}
	for _, p := range ov.Packages {
		if len(p.Problems) > 0 {
			var ps []string
			for _, pr := range p.Problems {
				ps = append(ps, pr.String())
			}
			say("%s uses what the scheduler cannot control (its locks are tested in stress mode):\n%s",
				p.ImportPath, indent(strings.Join(ps, "\n")))
		}
	}
	if t.list {
		for _, p := range ov.Packages {
			fmt.Fprintf(stderr, "lockcheck test: instrumented %s (%d files)\n", p.ImportPath, len(p.Files))
			for _, f := range p.Files {
				fmt.Fprintf(stderr, "\t%s\n", f)
			}
			for _, e := range p.TypeErrors {
				fmt.Fprintf(stderr, "\ttype error (rewrites that need it were left out): %s\n", e)
			}
		}
	}

	var controlled, plain []string
	for _, r := range ov.Roots {
		if stress[r] {
			plain = append(plain, r)
		} else {
			controlled = append(controlled, r)
		}
	}
	code := exitOK
	if len(plain) == 0 {
		code = goTest(ctx, t.dir, t.goArgs, ov, env, stdout, stderr)
	} else {
		if len(controlled) > 0 {
			code = goTest(ctx, t.dir, t.goArgsWith(controlled), ov, env, stdout, stderr)
		}
		say("testing %s in stress mode (plain go test): it does not build when instrumented", strings.Join(plain, " "))
		if c := goTest(ctx, t.dir, t.goArgsWith(plain), nil, env, stdout, stderr); c > code {
			code = c
		}
	}
	return code
}

// goTest runs go test with args, and
// returns its exit status. With ov, it builds with the overlay's flags.
func goTest(ctx context.Context, dir string, args []string, ov *instrument.Overlay, env []string, stdout, stderr io.Writer) int {
	cmdArgs := []string{"test"}
	if ov != nil {
		cmdArgs = append(cmdArgs, ov.Flags()...)
	}
	cmd := exec.CommandContext(ctx, "go", append(cmdArgs, args...)...)
	ownGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee) && ee.ExitCode() > 0:
		return ee.ExitCode()
	default:
		fmt.Fprintf(stderr, "lockcheck test: go test: %v\n", err)
		return exitBadUse
	}
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t")
}
