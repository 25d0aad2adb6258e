package instrument_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/instrument"
)

// TestBehave builds each program of testdata/behave as it is and
// instrumented (Prepare, then go run with the overlay) and compares their
// outputs: outside a controlled run the rewritten code behaves as the
// original, and reports the original lines (the programs print
// runtime.Caller lines).
func TestBehave(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dirs, err := filepath.Glob("testdata/behave/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no programs: %v", err)
	}
	for _, dir := range dirs {
		pkg := "./" + filepath.ToSlash(dir)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			want := goRun(t, nil, pkg)
			ov, err := instrument.Prepare(context.Background(), instrument.Config{Patterns: []string{pkg}})
			if err != nil {
				t.Fatal(err)
			}
			defer ov.Close()
			path := "github.com/lockcheck/lockcheck/instrument/" + filepath.ToSlash(dir)
			p := ov.Package(path)
			if p == nil || len(p.Files) == 0 {
				t.Fatalf("%s was not instrumented: %+v", path, ov.Packages)
			}
			if broken, err := ov.Check(context.Background(), instrument.Config{Patterns: []string{pkg}}); err != nil || len(broken) > 0 {
				t.Fatalf("the instrumented program does not build: %v %v", err, broken)
			}
			got := goRun(t, ov.Flags(), pkg)
			if got != want {
				t.Errorf("instrumented output differs:\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

func goRun(t *testing.T, flags []string, pkg string) string {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"run"}, flags...), pkg)...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run %s %s: %v\n%s", strings.Join(flags, " "), pkg, err, out)
	}
	return string(out)
}

// TestBehaveOldModule instruments a dependency whose go.mod says go 1.16,
// used by a program in a module of its own made for the test.
func TestBehaveOldModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The main module's go line must be at least its dependencies'.
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go [0-9.]+$`).Find(rootMod)
	files := map[string]string{
		"go.mod": "module example.com/main\n\n" + string(goLine) + "\n\nrequire (\n\tgithub.com/lockcheck/lockcheck v0.0.0\n\texample.com/oldlock v0.0.0\n)\n\n" +
			"replace github.com/lockcheck/lockcheck => " + root + "\n\nreplace example.com/oldlock => " + filepath.Join(root, "instrument", "testdata", "oldlock") + "\n",
		"main.go": `package main

import (
	"fmt"

	"example.com/oldlock"
)

func main() {
	ch := make(chan int, 3)
	for i := 1; i <= 3; i++ {
		ch <- i
	}
	close(ch)
	fmt.Println("sum", oldlock.Sum(ch))
	fmt.Println("closures", oldlock.Closures(3))
	fmt.Println("count", oldlock.Count(4))
}
`,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(flags ...string) string {
		cmd := exec.Command("go", append(append([]string{"run"}, flags...), ".")...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go run %s: %v\n%s", strings.Join(flags, " "), err, out)
		}
		return string(out)
	}
	want := run()
	if !strings.Contains(want, "closures [3 3 3]") {
		t.Fatalf("the fixture's loop variables are not per loop: %s", want)
	}
	cfg := instrument.Config{Dir: dir, Patterns: []string{"."}}
	ov, err := instrument.Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ov.Close()
	if p := ov.Package("example.com/oldlock"); p == nil || len(p.Files) != 1 {
		t.Fatalf("example.com/oldlock is not instrumented: %+v", ov.Packages)
	}
	if broken, err := ov.Check(context.Background(), cfg); err != nil || len(broken) > 0 {
		t.Fatalf("does not build instrumented: %v %v", err, broken)
	}
	if got := run(ov.Flags()...); got != want {
		t.Errorf("instrumented output differs:\n--- got\n%s\n--- want\n%s", got, want)
	}
}
