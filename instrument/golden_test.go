package instrument_test

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/instrument"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// golden is what a golden file holds: the rewritten source, then the
// problems found, one per line comment.
func golden(t testing.TB, name string, src []byte) []byte {
	opts := instrument.Options{Filename: name}
	if strings.HasPrefix(name, "old") {
		opts.GoVersion = "1.16" // a module of before generics
	}
	res, err := instrument.SourceOptions(src, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var b bytes.Buffer
	b.Write(res.Source)
	b.WriteString("\n// problems:\n")
	for _, p := range res.Problems {
		b.WriteString("// " + p.String() + "\n")
	}
	return b.Bytes()
}

// TestGolden rewrites each testdata/golden/*.go file and compares the result
// with the .golden file beside it (go test ./instrument -update rewrites them).
// A file whose name begins with "old" is rewritten as a file of a module
// whose go.mod says go 1.16.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := golden(t, filepath.Base(file), src)
			if _, err := parser.ParseFile(token.NewFileSet(), file, got, parser.ParseComments); err != nil {
				t.Errorf("the rewritten file does not parse: %v\n%s", err, got)
			}
			want := strings.TrimSuffix(file, ".go") + ".golden"
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("%s differs from %s:\n%s", file, want, got)
			}
		})
	}
}

// TestPlusBuild: a file of a module of before generics with only // +build
// lines gets one //go:build line with go1.21 added, on the first's line;
// the other // +build lines become empty comments.
func TestPlusBuild(t *testing.T) {
	for _, tc := range []struct{ src, line1, line2 string }{
		{"// +build linux\n// +build amd64\n\npackage p\n\nfunc f(ch chan int) { ch <- 1 }\n",
			"//go:build linux && amd64 && go1.21", "//"},
		{"//go:build linux\n// +build linux\n\npackage p\n\nfunc f(ch chan int) { ch <- 1 }\n",
			"//go:build linux && go1.21", "//"},
	} {
		res, err := instrument.SourceOptions([]byte(tc.src), instrument.Options{Filename: "p.go", GoVersion: "1.16"})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(res.Source), "\n")
		if len(lines) < 5 || lines[1] != tc.line1 || lines[2] != tc.line2 {
			t.Errorf("got:\n%s", res.Source)
		}
	}
}
