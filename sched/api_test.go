package sched_test

import (
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestReplacementAPIs checks that each replacement package declares every
// exported name of the original, of the same kind, with the same signature
// (functions, constants, variables), and that its own types (not aliases)
// have the original's exported methods and fields: a file compiles
// unchanged apart from its import path.
func TestReplacementAPIs(t *testing.T) {
	pairs := []struct{ orig, repl string }{
		{"sync/atomic", "github.com/lockcheck/lockcheck/sched/atomic"},
		{"sync", "github.com/lockcheck/lockcheck/sched/sync"},
		{"time", "github.com/lockcheck/lockcheck/sched/time"},
		{"context", "github.com/lockcheck/lockcheck/sched/context"},
	}
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}"}
	for _, p := range pairs {
		args = append(args, p.orig, p.repl)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "="); ok {
			exports[path] = file
		}
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	qual := func(p *types.Package) string { return p.Name() }
	for _, p := range pairs {
		for _, problem := range apiDiff(t, imp, p.orig, p.repl, qual) {
			t.Error(problem)
		}
	}
	// The check itself: a package that lacks names is caught.
	if len(apiDiff(t, imp, "time", "github.com/lockcheck/lockcheck/sched/context", qual)) == 0 {
		t.Error("apiDiff found nothing missing from sched/context as a replacement for time")
	}
}

// apiDiff lists what repl lacks to replace orig.
func apiDiff(t *testing.T, imp types.Importer, origPath, replPath string, qual types.Qualifier) []string {
	var problems []string
	t.Helper()
	p := struct{ orig, repl string }{origPath, replPath}
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	orig, err := imp.Import(p.orig)
	if err != nil {
		t.Fatal(err)
	}
	repl, err := imp.Import(p.repl)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range orig.Scope().Names() {
		o := orig.Scope().Lookup(name)
		if !o.Exported() {
			continue
		}
		r := repl.Scope().Lookup(name)
		if r == nil {
			errorf("%s: %s is missing", p.repl, name)
			continue
		}
		switch o := o.(type) {
		case *types.TypeName:
			rt, ok := r.(*types.TypeName)
			if !ok {
				errorf("%s.%s is not a type", p.repl, name)
				continue
			}
			if rt.IsAlias() {
				if !types.Identical(types.Unalias(rt.Type()), o.Type()) {
					errorf("%s.%s is an alias of %v, not of %v", p.repl, name, rt.Type(), o.Type())
				}
				continue
			}
			compareType(errorf, p.repl+"."+name, o.Type(), rt.Type(), qual)
		default:
			if os, rs := types.ObjectString(o, qual), types.ObjectString(r, qual); os != rs && !sameConst(o, r) {
				errorf("%s: %s\n\twant %s", p.repl, rs, os)
			}
		}
	}
	return problems
}

// sameConst reports whether two constants have the same type and value
// (ObjectString may print an untyped constant's value differently).
func sameConst(o, r types.Object) bool {
	oc, ok1 := o.(*types.Const)
	rc, ok2 := r.(*types.Const)
	return ok1 && ok2 && types.Identical(oc.Type(), rc.Type()) && oc.Val().ExactString() == rc.Val().ExactString()
}

// compareType checks the exported methods (of *T) and exported fields of
// the replacement's own type against the original's.
func compareType(errorf func(string, ...any), name string, orig, repl types.Type, qual types.Qualifier) {
	om := types.NewMethodSet(types.NewPointer(orig))
	rm := types.NewMethodSet(types.NewPointer(repl))
	for i := 0; i < om.Len(); i++ {
		m := om.At(i).Obj()
		if !m.Exported() {
			continue
		}
		sel := rm.Lookup(m.Pkg(), m.Name())
		if sel == nil {
			// Lookup by name across packages.
			for j := 0; j < rm.Len(); j++ {
				if rm.At(j).Obj().Name() == m.Name() {
					sel = rm.At(j)
				}
			}
		}
		if sel == nil {
			errorf("%s: method %s is missing", name, m.Name())
			continue
		}
		os := types.TypeString(m.Type().(*types.Signature), qual)
		rs := types.TypeString(sel.Obj().Type().(*types.Signature), qual)
		if os != rs {
			errorf("%s.%s: %s, want %s", name, m.Name(), rs, os)
		}
	}
	os, ok1 := orig.Underlying().(*types.Struct)
	rs, ok2 := repl.Underlying().(*types.Struct)
	if !ok1 || !ok2 {
		return
	}
	for i := 0; i < os.NumFields(); i++ {
		f := os.Field(i)
		if !f.Exported() {
			continue
		}
		found := false
		for j := 0; j < rs.NumFields(); j++ {
			if g := rs.Field(j); g.Name() == f.Name() && types.TypeString(g.Type(), qual) == types.TypeString(f.Type(), qual) {
				found = true
			}
		}
		if !found {
			errorf("%s: field %s %s is missing", name, f.Name(), types.TypeString(f.Type(), qual))
		}
	}
}
