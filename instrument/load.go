package instrument

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// HarnessPath is the import path of the harness: it and its dependencies
// are never instrumented, nor is anything under SchedPath.
const HarnessPath = "github.com/lockcheck/lockcheck/sim"

// Names of the generated files.
const (
	RegisterFile   = "zz_lockcheck_register.go"        // in each instrumented package
	RegisterXFile  = "zz_lockcheck_register_x_test.go" // in each instrumented external test package
	ControlledFile = "zz_lockcheck_controlled.go"      // in the sched package: controlledBuild = true
)

// ErrGoList is returned (wrapped, with go list's message) when the go
// command cannot list the packages.
var ErrGoList = errors.New("go list failed")

// ErrNothing is returned when no package is left to instrument: the
// packages named are all in the standard library or the harness.
var ErrNothing = errors.New("nothing to instrument (the standard library, the harness and the scheduler never are)")

// ErrNoSched is returned when the packages to instrument cannot see the
// scheduler package (their module does not require lockcheck's).
var ErrNoSched = errors.New("the scheduler package " + SchedPath + " is not available (the module under test must require github.com/lockcheck/lockcheck)")

// Config says what to instrument.
type Config struct {
	Dir        string   // directory the go command runs in ("" for the current one)
	BuildFlags []string // go build flags that change what is listed and how it compiles (-tags, -race, -mod …)
	Patterns   []string // package patterns, as given to go test
	Env        []string // environment of the go command (nil: this process's)
}

// Package is an instrumented package.
type Package struct {
	ImportPath string    // import path; an external test package's ends in "_test"
	Dir        string    // directory
	Name       string    // package name
	Root       string    // the import path of the package named on the command line whose test this belongs to, "" for a dependency
	Files      []string  // the rewritten files (absolute paths of the originals)
	Problems   []Problem // what the scheduler cannot control
	TypeErrors []string  // type-checking errors of the original (rewrites that needed the types were left out)
	generated  string    // absolute path of the generated registration file
	// again rewrites the package's first file with code appended; it is
	// how a package of files named on the command line (which the go
	// command builds from those files only) is registered.
	again func(appendSrc string) error
}

// Overlay is a set of rewritten files ready for go build -overlay: a
// temporary directory holds the rewritten files and the overlay file.
type Overlay struct {
	Dir      string     // the temporary directory; Close removes it
	File     string     // the overlay JSON file to pass to -overlay
	Packages []*Package // instrumented packages, by import path
	Roots    []string   // import paths of the packages named on the command line (not test variants)

	replace map[string]string // original file → rewritten file
	n       int

	modFile  string            // a copy of the main go.mod with replace directives for copied modules ("" if none)
	modCache string            // GOMODCACHE: files there cannot be overlaid, their modules are copied
	copied   map[string]string // module directory in the cache → its copy
}

// Flags are the flags that make the go command build with the overlay:
// -overlay and, when modules of the module cache were copied to be
// instrumented, -modfile.
func (o *Overlay) Flags() []string {
	f := []string{"-overlay=" + o.File}
	if o.modFile != "" {
		f = append(f, "-modfile="+o.modFile)
	}
	return f
}

// listed is one package of go list -json.
type listed struct {
	ImportPath string
	Name       string
	Dir        string
	ForTest    string
	Export     string
	Standard   bool
	Goroot     bool
	DepOnly    bool
	Deps       []string
	GoFiles    []string
	CgoFiles   []string
	ImportMap  map[string]string
	Module     *module
	Error      *struct{ Err string }
}

type module struct {
	Path, Version, Dir, GoMod, GoVersion string
	Main                                 bool
}

// base strips the " [p.test]" of a test variant's import path.
func base(id string) string {
	if i := strings.Index(id, " ["); i >= 0 {
		return id[:i]
	}
	return id
}

func goList(ctx context.Context, cfg Config, extra []string, args ...string) ([]*listed, error) {
	cmdArgs := append([]string{"list", "-e", "-json=ImportPath,Name,Dir,ForTest,Export,Standard,Goroot,DepOnly,Deps,GoFiles,CgoFiles,ImportMap,Module,Error"}, extra...)
	cmdArgs = append(cmdArgs, cfg.BuildFlags...)
	cmdArgs = append(cmdArgs, args...)
	cmd := exec.CommandContext(ctx, "go", cmdArgs...)
	cmd.Dir = cfg.Dir
	cmd.Env = cfg.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%w: %v\n%s", ErrGoList, err, strings.TrimSpace(stderr.String()))
	}
	var out []*listed
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listed)
		if err := dec.Decode(p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%w: reading its output: %v", ErrGoList, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Prepare lists the packages cfg names with their tests and dependencies
// (go list -deps -test -export), and rewrites every Go file of those to
// instrument: the packages named, their internal and external test packages,
// and their dependencies outside the standard library, except the harness
// (HarnessPath and its dependencies) and the scheduler. It adds a
// registration file to each instrumented package and ControlledFile to the
// scheduler package, and writes the overlay file. The caller must Close the
// overlay.
func Prepare(ctx context.Context, cfg Config) (*Overlay, error) {
	pkgs, err := goList(ctx, cfg, []string{"-deps", "-test", "-export"}, cfg.Patterns...)
	if err != nil {
		return nil, err
	}
	byID := map[string]*listed{}
	for _, p := range pkgs {
		byID[p.ImportPath] = p
	}
	// The harness's closure, even when the packages under test do not
	// import the harness (a package of it may be under test).
	harness := map[string]bool{HarnessPath: true}
	if h := byID[HarnessPath]; h != nil {
		for _, d := range h.Deps {
			harness[d] = true
		}
	} else if l, err := goList(ctx, cfg, []string{"-deps"}, HarnessPath); err == nil {
		for _, p := range l {
			harness[p.ImportPath] = true
		}
	}
	excluded := func(path string) bool {
		return harness[path] || path == SchedPath || strings.HasPrefix(path, SchedPath+"/")
	}
	dir, err := os.MkdirTemp("", "lockcheck-overlay-")
	if err != nil {
		return nil, err
	}
	o := &Overlay{Dir: dir, File: filepath.Join(dir, "overlay.json"), replace: map[string]string{}, copied: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			o.Close()
		}
	}()
	if o.modCache, err = goEnv(ctx, cfg, "GOMODCACHE"); err != nil {
		return nil, err
	}

	var cands []*listed
	for _, p := range pkgs {
		bp := base(p.ImportPath)
		if !p.DepOnly && p.ForTest == "" && p.Name != "" && !(p.Name == "main" && strings.HasSuffix(p.ImportPath, ".test")) {
			o.Roots = append(o.Roots, p.ImportPath)
		}
		switch {
		case p.Standard, p.Goroot, p.Error != nil, excluded(bp), p.Dir == "",
			p.ForTest != "" && excluded(p.ForTest),                       // the harness's own tests
			p.Name == "main" && strings.HasSuffix(p.ImportPath, ".test"): // the generated test main
			continue
		}
		cands = append(cands, p)
	}
	// Test variants first: "p [p.test]" has p's files and its tests, which
	// makes the plain "p" (and "q [p.test]", the same files as q) nothing
	// new to rewrite.
	sort.SliceStable(cands, func(i, j int) bool {
		return len(cands[i].GoFiles)+len(cands[i].CgoFiles) > len(cands[j].GoFiles)+len(cands[j].CgoFiles)
	})
	roots := map[string]bool{}
	for _, r := range o.Roots {
		roots[r] = true
	}
	done := map[string]bool{}
	byPath := map[string]*Package{}
	for _, p := range cands {
		bp := base(p.ImportPath)
		pk := byPath[bp]
		if pk == nil {
			pk = &Package{ImportPath: bp, Dir: p.Dir, Name: p.Name}
			switch {
			case roots[bp]:
				pk.Root = bp
			case roots[p.ForTest] && strings.HasSuffix(bp, "_test"):
				pk.Root = p.ForTest
			}
			byPath[bp] = pk
			o.Packages = append(o.Packages, pk)
		}
		var files []string
		todo := false
		for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
			f = filepath.Join(p.Dir, f)
			files = append(files, f)
			if !done[f] {
				todo = true
			}
		}
		if !todo {
			continue
		}
		if p.Module != nil {
			if err := o.copyModule(p.Module); err != nil {
				return nil, err
			}
		}
		if err := o.rewritePackage(p, pk, files, done, byID); err != nil {
			return nil, err
		}
	}
	if len(o.Packages) == 0 {
		return nil, ErrNothing
	}
	sort.Slice(o.Packages, func(i, j int) bool { return o.Packages[i].ImportPath < o.Packages[j].ImportPath })
	kept := o.Packages[:0]
	for _, pk := range o.Packages {
		if len(pk.Files) == 0 {
			continue // e.g. the "package" of a directory with external tests only
		}
		if err := o.register(pk); err != nil {
			return nil, err
		}
		kept = append(kept, pk)
	}
	o.Packages = kept
	schedDir := ""
	if s := byID[SchedPath]; s != nil {
		schedDir = s.Dir
	} else {
		l, err := goList(ctx, cfg, nil, SchedPath)
		if err != nil {
			return nil, err
		}
		if len(l) == 1 && l[0].Error == nil {
			schedDir = l[0].Dir
		}
	}
	if schedDir == "" {
		return nil, ErrNoSched
	}
	if s := byID[SchedPath]; s != nil && s.Module != nil {
		if err := o.copyModule(s.Module); err != nil {
			return nil, err
		}
	}
	if err := o.add(filepath.Join(schedDir, ControlledFile),
		[]byte("// Code generated by lockcheck test. DO NOT EDIT.\n\npackage sched\n\nfunc init() { controlledBuild = true }\n")); err != nil {
		return nil, err
	}
	if err := o.write(); err != nil {
		return nil, err
	}
	if len(o.copied) > 0 {
		if err := o.writeModFile(ctx, cfg); err != nil {
			return nil, err
		}
	}
	ok = true
	return o, nil
}

// rewritePackage type-checks the files of p (resolving imports from the
// export data go list produced) and rewrites those not yet done.
func (o *Overlay) rewritePackage(p *listed, pk *Package, files []string, done map[string]bool, byID map[string]*listed) error {
	fset := token.NewFileSet()
	var asts []*ast.File
	srcs := map[*ast.File][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		af, err := parser.ParseFile(fset, f, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("%s: %w", pk.ImportPath, err)
		}
		asts = append(asts, af)
		srcs[af] = src
	}
	lookup := func(path string) (io.ReadCloser, error) {
		id := path
		if m, ok := p.ImportMap[path]; ok {
			id = m
		}
		d := byID[id]
		if d == nil || d.Export == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(d.Export)
	}
	info := NewInfo()
	conf := types.Config{
		Importer:    importer.ForCompiler(fset, "gc", lookup),
		FakeImportC: true,
		Error: func(err error) {
			if len(pk.TypeErrors) < 10 {
				pk.TypeErrors = append(pk.TypeErrors, err.Error())
			}
		},
	}
	if p.Module != nil && p.Module.GoVersion != "" {
		conf.GoVersion = "go" + p.Module.GoVersion
	}
	conf.Check(pk.ImportPath, fset, asts, info) // errors tolerated, see Package.TypeErrors
	for _, af := range asts {
		name := fset.File(af.Package).Name()
		if done[name] {
			continue
		}
		done[name] = true
		opts := Options{Filename: name}
		if p.Module != nil {
			opts.GoVersion = p.Module.GoVersion
		}
		res, err := File(fset, af, srcs[af], info, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if pk.again == nil {
			af, src := af, srcs[af]
			pk.again = func(appendSrc string) error {
				opts := opts
				opts.Append = appendSrc
				res, err := File(fset, af, src, info, opts)
				if err != nil {
					return err
				}
				return o.add(name, res.Source)
			}
		}
		pk.Files = append(pk.Files, name)
		pk.Problems = append(pk.Problems, res.Problems...)
		if err := o.add(name, res.Source); err != nil {
			return err
		}
	}
	return nil
}

// register adds pk's registration file, or for a package of files named on
// the command line, the registration at the end of its first file.
func (o *Overlay) register(pk *Package) error {
	if strings.HasPrefix(pk.ImportPath, "command-line-arguments") && pk.again != nil {
		call := fmt.Sprintf("_lcsched.Register(%q", pk.ImportPath)
		for _, p := range pk.Problems {
			call += ", " + strconv.Quote(p.String())
		}
		return pk.again("// Added by lockcheck test.\nfunc init() { " + call + ") }")
	}
	name, file := pk.Name, RegisterFile
	if strings.HasSuffix(pk.ImportPath, "_test") && strings.HasSuffix(pk.Name, "_test") {
		file = RegisterXFile
	}
	var b strings.Builder
	b.WriteString("// Code generated by lockcheck test. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\nimport _lcsched %q\n\nfunc init() {\n\t_lcsched.Register(%q", name, SchedPath, pk.ImportPath)
	for _, p := range pk.Problems {
		fmt.Fprintf(&b, ",\n\t\t%s", strconv.Quote(p.String()))
	}
	b.WriteString(")\n}\n")
	pk.generated = o.target(filepath.Join(pk.Dir, file))
	return o.add(pk.generated, []byte(b.String()))
}

// inDir reports whether file is dir or beneath it.
func inDir(file, dir string) bool {
	rel, err := filepath.Rel(dir, file)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// copyModule copies a module of the module cache, where the go command
// refuses to overlay files, to a directory of the user's cache (once). The main go.mod is then copied with a replace directive
// pointing at the copy (see writeModFile), and the copy's files are overlaid.
func (o *Overlay) copyModule(m *module) error {
	if m.Dir == "" || o.modCache == "" || !inDir(m.Dir, o.modCache) || o.copied[m.Dir] != "" {
		return nil
	}
	// The copy's place is stable (a module of the cache never changes), so
	// the build cache recognises its packages from one run to the next.
	dst := filepath.Join(o.Dir, "mod", strconv.Itoa(len(o.copied)))
	if cache, err := os.UserCacheDir(); err == nil {
		rel, _ := filepath.Rel(o.modCache, m.Dir)
		dst = filepath.Join(cache, "lockcheck", "mod", rel)
	}
	o.copied[m.Dir] = dst
	// The whole module: packages may embed files of subdirectories.
	err := filepath.WalkDir(m.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(m.Dir, path)
		if err != nil {
			return err
		}
		return copyFiles(path, filepath.Join(dst, rel))
	})
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dst, "go.mod")); err != nil {
		// A module without a go.mod: its replacement needs one (the overlay
		// provides it).
		return o.add(filepath.Join(m.Dir, "go.mod"), []byte("module "+m.Path+"\n"))
	}
	return nil
}

// copyFiles copies the regular files of directory src into dst, those not
// there yet; each through a temporary file and a rename, so that runs in
// parallel see whole files.
func copyFiles(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		target := filepath.Join(dst, e.Name())
		if _, err := os.Stat(target); err == nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		tmp, err := os.CreateTemp(dst, ".tmp-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), target)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return werr
		}
	}
	return nil
}

// writeModFile writes a copy of the main module's go.mod (and go.sum) that
// replaces each copied module by its copy.
func (o *Overlay) writeModFile(ctx context.Context, cfg Config) error {
	gomod, err := goEnv(ctx, cfg, "GOMOD")
	if err != nil {
		return err
	}
	if gomod == "" || gomod == os.DevNull {
		return errors.New("instrumenting a module of the module cache needs a main module (go.mod)")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.Write(data)
	b.WriteString("\n// Added by lockcheck test: instrumented copies of modules of the module cache.\n")
	for orig, cp := range o.copied {
		path, version, _ := strings.Cut(filepath.ToSlash(strings.TrimPrefix(orig, o.modCache+string(filepath.Separator))), "@")
		if mp, err := unescapePath(path); err == nil {
			path = mp
		}
		fmt.Fprintf(&b, "replace %s %s => %s\n", path, version, cp)
	}
	o.modFile = filepath.Join(o.Dir, "go.mod")
	if err := os.WriteFile(o.modFile, []byte(b.String()), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(strings.TrimSuffix(gomod, ".mod") + ".sum")
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(filepath.Join(o.Dir, "go.sum"), sum, 0o644)
}

// unescapePath undoes the module cache's case escaping ("!a" for "A").
func unescapePath(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '!' {
			if i+1 >= len(p) || p[i+1] < 'a' || p[i+1] > 'z' {
				return "", errors.New("bad escaped path")
			}
			b.WriteByte(p[i+1] - 'a' + 'A')
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String(), nil
}

func goEnv(ctx context.Context, cfg Config, name string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", name)
	cmd.Dir, cmd.Env = cfg.Dir, cfg.Env
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// target is where the go command must see the file orig: orig itself, or
// its place in the copy of its module.
func (o *Overlay) target(orig string) string {
	for dir, cp := range o.copied {
		if inDir(orig, dir) {
			rel, _ := filepath.Rel(dir, orig)
			return filepath.Join(cp, rel)
		}
	}
	return orig
}

// add writes the rewritten text of the file named orig.
func (o *Overlay) add(orig string, src []byte) error {
	orig = o.target(orig)
	o.n++
	tmp := filepath.Join(o.Dir, fmt.Sprintf("%04d_%s", o.n, filepath.Base(orig)))
	if err := os.WriteFile(tmp, src, 0o644); err != nil {
		return err
	}
	o.replace[orig] = tmp
	return nil
}

func (o *Overlay) write() error {
	data, err := json.MarshalIndent(struct{ Replace map[string]string }{o.replace}, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(o.File, data, 0o644)
}

// Package returns the instrumented package with the import path, or nil.
func (o *Overlay) Package(importPath string) *Package {
	for _, p := range o.Packages {
		if p.ImportPath == importPath {
			return p
		}
	}
	return nil
}

// Drop removes a package's rewritten files and registration from the
// overlay: it is built as it is.
func (o *Overlay) Drop(importPath string) error {
	kept := o.Packages[:0]
	for _, p := range o.Packages {
		if p.ImportPath != importPath {
			kept = append(kept, p)
			continue
		}
		for _, f := range p.Files {
			delete(o.replace, o.target(f))
		}
		delete(o.replace, p.generated)
	}
	o.Packages = kept
	return o.write()
}

// BuildError is a package that does not compile once instrumented.
type BuildError struct {
	ImportPath string // as in Package.ImportPath
	Err        string // the compiler's messages (file:line: …)
}

// Error names the package and gives the compiler's messages.
func (e *BuildError) Error() string {
	return e.ImportPath + " does not build when instrumented:\n" + e.Err
}

// Check compiles the packages with the overlay (go list -export, which
// builds what go test would, without linking or running) and returns the
// instrumented packages that do not compile, with the compiler's messages.
func (o *Overlay) Check(ctx context.Context, cfg Config) ([]*BuildError, error) {
	pkgs, err := goList(ctx, cfg, append([]string{"-deps", "-test", "-export"}, o.Flags()...), cfg.Patterns...)
	if err != nil {
		return nil, err
	}
	var out []*BuildError
	seen := map[string]bool{}
	for _, p := range pkgs {
		bp := base(p.ImportPath)
		if p.Error == nil || seen[bp] || o.Package(bp) == nil {
			continue
		}
		seen[bp] = true
		msg := strings.TrimSpace(p.Error.Err)
		if strings.HasPrefix(msg, "# ") { // "# import/path [x.test]" heading
			if i := strings.Index(msg, "\n"); i >= 0 {
				msg = msg[i+1:]
			}
		}
		out = append(out, &BuildError{ImportPath: bp, Err: msg})
	}
	return out, nil
}

// Close removes the temporary directory.
func (o *Overlay) Close() error { return os.RemoveAll(o.Dir) }
