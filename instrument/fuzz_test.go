package instrument_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockcheck/lockcheck/instrument"
)

// FuzzSource checks that the rewriter never panics and that whatever parses
// still parses once rewritten. The seeds are the golden inputs.
func FuzzSource(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.go")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// As a file of a current module, and of a module before generics.
		for _, goVersion := range []string{"", "1.16"} {
			res, err := instrument.SourceOptions(src, instrument.Options{Filename: "fuzz.go", GoVersion: goVersion})
			if err != nil {
				return // does not parse: nothing to rewrite
			}
			if _, err := parser.ParseFile(token.NewFileSet(), "fuzz.go", res.Source, parser.ParseComments); err != nil {
				t.Fatalf("go %q: the rewritten file does not parse: %v\n--- input\n%s\n--- output\n%s", goVersion, err, src, res.Source)
			}
		}
	})
}
