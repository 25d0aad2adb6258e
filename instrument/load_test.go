package instrument_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/instrument"
)

// TestPrepareNothing: the standard library and the harness are never
// instrumented.
func TestPrepareNothing(t *testing.T) {
	for _, pats := range [][]string{{"errors"}, {"github.com/lockcheck/lockcheck/model"}} {
		ov, err := instrument.Prepare(context.Background(), instrument.Config{Patterns: pats})
		if !errors.Is(err, instrument.ErrNothing) {
			if ov != nil {
				ov.Close()
			}
			t.Errorf("%v: got %v, want ErrNothing", pats, err)
		}
	}
}

// TestPrepareFixture instruments a fixture with an external test package
// and checks the generated files and that the overlay directory goes away.
func TestPrepareFixture(t *testing.T) {
	cfg := instrument.Config{Dir: "../cmd/lockcheck", Patterns: []string{"./testdata/ctl/sys"}}
	ov, err := instrument.Prepare(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	const path = "github.com/lockcheck/lockcheck/cmd/lockcheck/testdata/ctl/sys"
	p, x := ov.Package(path), ov.Package(path+"_test")
	if p == nil || x == nil {
		t.Fatalf("packages: %+v", ov.Packages)
	}
	if len(p.Problems) != 1 || !strings.Contains(p.Problems[0].String(), "sys.go:19: calls syscall.Getpid") {
		t.Errorf("problems of %s: %v", path, p.Problems)
	}
	if len(ov.Roots) != 1 || ov.Roots[0] != path || p.Root != path || x.Root != path {
		t.Errorf("roots %q, package roots %q %q", ov.Roots, p.Root, x.Root)
	}
	overlay, err := os.ReadFile(ov.File)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{instrument.RegisterFile, instrument.RegisterXFile, instrument.ControlledFile, "sys.go", "sys_test.go"} {
		if !strings.Contains(string(overlay), want) {
			t.Errorf("the overlay lacks %s:\n%s", want, overlay)
		}
	}
	if broken, err := ov.Check(context.Background(), cfg); err != nil || len(broken) > 0 {
		t.Errorf("check: %v %v", broken, err)
	}
	dir := ov.Dir
	if err := ov.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "overlay.json")); !os.IsNotExist(err) {
		t.Errorf("the overlay directory is still there: %v", err)
	}
}
