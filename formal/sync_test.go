// Package formal_test keeps the Promela model of lock.Lock (formal/*.pml)
// in step with lock/lock.go. The model itself is checked by formal/check.sh
// (spin); see docs/formal.md.
package formal_test

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const lockGo = "../lock/lock.go"

// A reference "[lock.go: name]" in a model says that the Promela next to it
// models the Go function or method name.
var refRE = regexp.MustCompile(`\[lock\.go: *([A-Za-z_][A-Za-z0-9_]*)\]`)

// "#define name value" in a model.
var defineRE = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+(\S+)`)

// The state-word constants the model must define, with lock.go's names.
var stateConsts = []string{"mutexLocked", "mutexWoken", "mutexStarving", "waiterShift", "waiterOne"}

// Fields whose use makes a function part of the algorithm: the state word,
// the internal mutex, the queue and the waiters' queue fields and channels.
var syncFields = map[string]bool{
	"state": true, "mu": true, "head": true, "tail": true,
	"prev": true, "next": true, "queued": true, "handoff": true, "ch": true,
}

type model struct {
	path string
	text string
}

func readModels(t *testing.T) []model {
	t.Helper()
	paths, err := filepath.Glob("*.pml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no Promela model (*.pml) in formal/")
	}
	var ms []model
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, model{p, string(b)})
	}
	return ms
}

func parseLockGo(t *testing.T) (*token.FileSet, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, lockGo, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return fset, f
}

// declaredFuncs: the functions of lock.go and the methods of its Lock and
// waiter types, by name (the methods of noCopy, which only serve go vet, do
// not count).
func declaredFuncs(f *ast.File) map[string]*ast.FuncDecl {
	fs := map[string]*ast.FuncDecl{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			switch recvType(fd) {
			case "", "Lock", "waiter":
				fs[fd.Name.Name] = fd
			}
		}
	}
	return fs
}

// recvType is the name of fd's receiver type, "" for a function.
func recvType(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) != 1 {
		return ""
	}
	typ := fd.Recv.List[0].Type
	if st, ok := typ.(*ast.StarExpr); ok {
		typ = st.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

// TestModelReferencesExist: every Go function the model names is still
// declared in lock.go, so a rename or removal there breaks this test.
func TestModelReferencesExist(t *testing.T) {
	_, f := parseLockGo(t)
	decl := declaredFuncs(f)
	total := 0
	for _, m := range readModels(t) {
		refs := refRE.FindAllStringSubmatch(m.text, -1)
		if len(refs) == 0 {
			t.Errorf("%s: no [lock.go: name] references", m.path)
		}
		seen := map[string]bool{}
		for _, r := range refs {
			name := r[1]
			if seen[name] {
				continue
			}
			seen[name] = true
			total++
			if decl[name] == nil {
				t.Errorf("%s references %s, which %s no longer declares: update the model (and docs/formal.md) to the new code", m.path, name, lockGo)
			}
		}
	}
	t.Logf("%d references checked", total)
}

// TestAlgorithmFunctionsModelled: every function of lock.go that touches the
// lock's synchronization state (state word, mu, queue, waiter fields),
// directly or by calling such a function of lock.go, is referenced by some
// model, so a new step of the algorithm cannot go unmodelled unnoticed.
func TestAlgorithmFunctionsModelled(t *testing.T) {
	_, f := parseLockGo(t)
	refd := map[string]bool{}
	for _, m := range readModels(t) {
		for _, r := range refRE.FindAllStringSubmatch(m.text, -1) {
			refd[r[1]] = true
		}
	}
	decl := declaredFuncs(f)
	why := map[string]string{} // name -> why it is part of the algorithm
	for name, fd := range decl {
		if fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok && syncFields[se.Sel.Name] && why[name] == "" {
				why[name] = "uses ." + se.Sel.Name
			}
			return why[name] == ""
		})
	}
	for changed := true; changed; {
		changed = false
		for name, fd := range decl {
			if why[name] != "" || fd.Body == nil {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || why[name] != "" {
					return why[name] == ""
				}
				callee := ""
				switch fn := call.Fun.(type) {
				case *ast.Ident:
					callee = fn.Name
				case *ast.SelectorExpr:
					callee = fn.Sel.Name
				}
				if callee != "" && callee != name && why[callee] != "" {
					why[name] = "calls " + callee
					changed = true
				}
				return why[name] == ""
			})
		}
	}
	var missing []string
	for name, reason := range why {
		if reason != "" && !refd[name] {
			missing = append(missing, name+" ("+reason+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s declares %s but no model references it ([lock.go: name]): model it in formal/lock.pml", lockGo, m)
	}
}

// TestStateConstants: the model's #defines of the state-word constants have
// lock.go's values (evaluated by go/types, iota and all).
func TestStateConstants(t *testing.T) {
	fset, f := parseLockGo(t)
	conf := types.Config{
		// Only the constants matter: imports are left unresolved and the
		// resulting errors (time.Millisecond and the like) are ignored.
		Importer: fakeImporter{},
		Error:    func(error) {},
	}
	pkg, _ := conf.Check("lock", fset, []*ast.File{f}, nil)
	goVal := func(name string) (int64, bool) {
		c, ok := pkg.Scope().Lookup(name).(*types.Const)
		if !ok || c.Val().Kind() != constant.Int {
			return 0, false
		}
		return constant.Int64Val(c.Val())
	}
	for _, name := range stateConsts {
		if _, ok := goVal(name); !ok {
			t.Errorf("%s no longer declares the integer constant %s: update the model and this test", lockGo, name)
		}
	}
	for _, m := range readModels(t) {
		defs := map[string]string{}
		for _, d := range defineRE.FindAllStringSubmatch(m.text, -1) {
			defs[d[1]] = d[2]
		}
		for _, name := range stateConsts {
			if _, ok := defs[name]; !ok {
				t.Errorf("%s: no #define %s", m.path, name)
			}
		}
		// Every #define named after a constant of lock.go must agree with it.
		for name, text := range defs {
			want, ok := goVal(name)
			if !ok {
				continue
			}
			got, err := strconv.ParseInt(strings.TrimSuffix(text, ";"), 0, 64)
			if err != nil {
				t.Errorf("%s: #define %s %s: not an integer literal", m.path, name, text)
				continue
			}
			if got != want {
				t.Errorf("%s: #define %s %d, but %s has %s = %d", m.path, name, got, lockGo, name, want)
			}
		}
	}
}

type fakeImporter struct{}

func (fakeImporter) Import(path string) (*types.Package, error) {
	p := types.NewPackage(path, filepath.Base(path))
	p.MarkComplete()
	return p, nil
}
