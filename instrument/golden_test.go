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
	res, err := instrument.Source(name, src)
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
