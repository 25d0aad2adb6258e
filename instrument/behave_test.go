package instrument_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
