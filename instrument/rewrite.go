package instrument

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/token"
	"go/types"
	"go/version"
	"sort"
	"strconv"
	"strings"
)

// SchedPath is the import path of the controlled scheduler that rewritten
// code calls.
const SchedPath = "github.com/lockcheck/lockcheck/sched"

// schedName is the local name under which a rewritten file imports SchedPath;
// the leading underscore keeps it clear of the file's own identifiers.
const schedName = "_lcsched"

// Replaced maps the standard packages whose synchronisation the scheduler
// controls to their drop-in replacements.
var Replaced = map[string]string{
	"sync/atomic": SchedPath + "/atomic",
	"sync":        SchedPath + "/sync",
	"time":        SchedPath + "/time",
	"context":     SchedPath + "/context",
}

// ErrNoPosition is returned by File when the syntax tree has no position
// information in the given file set (it was not parsed from src).
var ErrNoPosition = errors.New("instrument: file has no position information")

// Problem is a use of something the controlled scheduler cannot see or
// control (cgo, a system call, a linkname, a channel operation through
// reflection, an unsafe conversion of a sync type), with where it is.
type Problem struct {
	Pos  token.Position // file:line of the use in the original source
	What string         // e.g. "uses cgo"
}

// String formats the problem as "file.go:12: what", with the base name of
// the file, as sched.Register expects it.
func (p Problem) String() string {
	name := p.Pos.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return fmt.Sprintf("%s:%d: %s", name, p.Pos.Line, p.What)
}

// Result is a rewritten file.
type Result struct {
	Source   []byte    // the rewritten source; it parses, and positions map to the original through line directives
	Changed  bool      // some rewrite was made (otherwise Source is the original with a leading line directive)
	Problems []Problem // what the scheduler cannot control, in source order
}

// Options tune File.
type Options struct {
	// Filename is the name written into the //line directives that keep
	// positions pointing at the original source (usually the file's
	// absolute path); "" uses the name recorded in the file set.
	Filename string
	// GoVersion is the language version of the file's module, as in go.mod
	// ("1.16"); "" means the current one. Before 1.23 a range over a channel
	// is rewritten without range-over-func, and before 1.21 (generics need
	// 1.18) a changed file gets a go1.21 build constraint, which raises its
	// language version without changing its loop variables' semantics.
	GoVersion string
	// Append is Go source appended to the rewritten file (declarations that
	// may use the scheduler's package as _lcsched).
	Append string
}

// File rewrites one parsed Go file so that every synchronisation point calls
// the controlled scheduler (see the package documentation for the list).
// src is the text f was parsed from; info holds the type information of f's
// package (Types, Uses, Defs and Selections are read); it may be nil or
// partial, in which case rewrites that need types are left out.
//
// File never panics on a syntax tree produced by go/parser from src.
func File(fset *token.FileSet, f *ast.File, src []byte, info *types.Info, opts Options) (*Result, error) {
	tf := fset.File(f.Package)
	if tf == nil || tf.Size() != len(src) {
		return nil, ErrNoPosition
	}
	filename := opts.Filename
	if filename == "" {
		filename = tf.Name()
	}
	if info == nil {
		info = &types.Info{}
	}
	r := &rewriter{fset: fset, tf: tf, src: src, info: info, filename: filename, file: f}
	r.appendSrc = opts.Append
	if v := opts.GoVersion; v != "" {
		v = "go" + strings.TrimPrefix(v, "go")
		r.oldRange = version.Compare(v, "go1.23") < 0
		r.upgrade = version.Compare(v, "go1.21") < 0
	}
	r.walk()
	if opts.Append != "" {
		r.usesSched, r.changed = true, true
	}
	r.checkComments()
	out := r.assemble()
	sort.SliceStable(r.problems, func(i, j int) bool { return r.problems[i].Pos.Offset < r.problems[j].Pos.Offset })
	return &Result{Source: out, Changed: r.changed, Problems: r.problems}, nil
}

// An edit replaces src[start:end] by text. Edits recorded by the rewriter
// never overlap: an edit that covers others replaces them (its text was built
// from theirs).
type edit struct {
	start, end int
	text       string
}

type rewriter struct {
	fset      *token.FileSet
	tf        *token.File
	src       []byte
	info      *types.Info
	filename  string
	file      *ast.File
	appendSrc string
	oldRange  bool // no range over functions: before go1.23
	upgrade   bool // generics need a newer language version: before go1.21

	edits     []edit
	n         int // counter for temporaries
	usesSched bool
	gosched   []string // local names of runtime in imports whose Gosched was replaced
	extra     []string // imports added to name type arguments: `_lcp0 "path"`
	extraName map[string]string
	changed   bool
	problems  []Problem
	seenProb  map[string]bool
}

func (r *rewriter) off(p token.Pos) int { return r.tf.Offset(p) }

// replace records an edit of the node range [from, to), dropping the edits
// it covers.
func (r *rewriter) replace(from, to token.Pos, text string) {
	s, e := r.off(from), r.off(to)
	kept := r.edits[:0]
	for _, ed := range r.edits {
		if ed.start >= s && ed.end <= e {
			continue
		}
		kept = append(kept, ed)
	}
	r.edits = append(kept, edit{s, e, text})
	r.changed = true
}

func (r *rewriter) tmp() string {
	name := "_lc" + strconv.Itoa(r.n)
	r.n++
	return name
}

func (r *rewriter) sched(name string) string {
	r.usesSched = true
	return schedName + "." + name
}

// Positions: the builder keeps line numbers pointing at the original source.
// It tracks the line that the next byte it emits is attributed to (cur). Text
// copied from the source (src) begins with a /*line file:L:C*/ directive
// whenever cur differs from the original line of that text, and a built
// range ends with such a directive if cur differs from the original line of
// its end; so every built range leaves the attribution in step with the
// original, and a copy from the source is attributed correctly wherever it
// lands. Rewrites are laid out so that most never need a directive.
type builder struct {
	r   *rewriter
	buf strings.Builder
	cur int // line the next emitted byte is attributed to
}

func (r *rewriter) newBuilder(startOff int) *builder {
	return &builder{r: r, cur: r.tf.Line(r.tf.Pos(startOff))}
}

func (b *builder) str(s string) {
	b.buf.WriteString(s)
	b.cur += strings.Count(s, "\n")
}

// sync makes the next byte attributed to offset off.
func (b *builder) sync(off int) {
	p := b.r.tf.Position(b.r.tf.Pos(off))
	if b.cur != p.Line {
		fmt.Fprintf(&b.buf, "/*line %s:%d:%d*/", b.r.filename, p.Line, p.Column)
		b.cur = p.Line
	}
}

// src copies the source range [s, e) with the edits inside it applied.
func (b *builder) src(s, e int) {
	b.sync(s)
	b.buf.WriteString(b.r.text(s, e))
	b.cur = b.r.tf.Line(b.r.tf.Pos(e))
}

// gap copies the source range [s, e), which holds no edit, as it is.
func (b *builder) gap(s, e int) {
	b.sync(s)
	b.buf.Write(b.r.src[s:e])
	b.cur = b.r.tf.Line(b.r.tf.Pos(e))
}

func (b *builder) node(n ast.Node) { b.src(b.r.off(n.Pos()), b.r.off(n.End())) }

// inline copies a node's text like node, but without a line directive
// when the text is on one line: the operands of a select's cases move to
// the select's line, where a directive for each would only add noise.
func (b *builder) inline(n ast.Node) {
	t := b.r.nodeText(n)
	if strings.Contains(t, "\n") || strings.Contains(t, "/*line ") {
		b.node(n)
		return
	}
	b.buf.WriteString(t)
}

// done ends a range that ends at offset e.
func (b *builder) done(e int) string {
	if e < b.r.tf.Size() {
		b.sync(e)
	}
	return b.buf.String()
}

// text is the source range [s, e) with the recorded edits inside it applied.
func (r *rewriter) text(s, e int) string {
	var inner []edit
	for _, ed := range r.edits {
		if ed.start >= s && ed.end <= e {
			inner = append(inner, ed)
		}
	}
	if len(inner) == 0 {
		return string(r.src[s:e])
	}
	sort.Slice(inner, func(i, j int) bool { return inner[i].start < inner[j].start })
	b := r.newBuilder(s)
	at := s
	for _, ed := range inner {
		b.gap(at, ed.start)
		b.sync(ed.start)
		b.buf.WriteString(ed.text)
		b.cur = r.tf.Line(r.tf.Pos(ed.end)) // an edit's text ends in step (see done)
		at = ed.end
	}
	b.gap(at, e)
	return b.done(e)
}

// wrap replaces node n by prefix, the rewritten text of the nodes parts
// separated by ", ", and ")".
func (r *rewriter) wrap(n ast.Node, prefix string, parts ...ast.Node) {
	b := r.newBuilder(r.off(n.Pos()))
	b.str(prefix)
	for i, p := range parts {
		if i > 0 {
			b.str(", ")
		}
		b.node(p)
	}
	b.str(")")
	r.replace(n.Pos(), n.End(), b.done(r.off(n.End())))
}

func (r *rewriter) nodeText(n ast.Node) string { return r.text(r.off(n.Pos()), r.off(n.End())) }

// assemble applies the edits to the whole file, adds the scheduler's import
// after the package clause (on its line) and a leading //line directive.
func (r *rewriter) assemble() []byte {
	if r.usesSched {
		// "package p; import _lcsched "…"" keeps every line where it was.
		imp := "; import " + schedName + " " + strconv.Quote(SchedPath)
		for _, e := range r.extra {
			imp += "; import " + e
		}
		r.edits = append(r.edits, edit{r.off(r.file.Name.End()), r.off(r.file.Name.End()), imp})
	}
	var out bytes.Buffer
	if r.upgrade && r.changed && !r.constrain() {
		out.WriteString("//go:build go1.21\n\n")
	}
	fmt.Fprintf(&out, "//line %s:1:1\n", r.filename)
	out.WriteString(r.text(0, len(r.src)))
	if opts := r.appendSrc; opts != "" {
		out.WriteString("\n\n" + opts + "\n")
	}
	if len(r.gosched) > 0 {
		// The replaced runtime.Gosched may have been the import's only use.
		out.WriteString("\n\n// Keeps the runtime import used once runtime.Gosched is replaced.\n")
		for _, name := range r.gosched {
			fmt.Fprintf(&out, "var _ = %s\n", name)
		}
	}
	return out.Bytes()
}

// walk visits the file in post-order, so that a node's rewrite is built from
// the already rewritten text of its children.
func (r *rewriter) walk() {
	var stack []ast.Node
	ast.Inspect(r.file, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			var parent ast.Node
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			r.post(top, parent)
			return true
		}
		stack = append(stack, n)
		return true
	})
}

func (r *rewriter) post(n, parent ast.Node) {
	switch n := n.(type) {
	case *ast.ImportSpec:
		r.importSpec(n)
	case *ast.SendStmt:
		r.wrap(n, r.sched("Send")+r.sendTypeArg(n)+"(", n.Chan, n.Value)
	case *ast.UnaryExpr:
		if n.Op == token.ARROW {
			r.wrap(n, r.sched("Recv")+"(", n.X)
		}
	case *ast.AssignStmt:
		if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
			r.commaOK(n.Rhs[0])
		}
	case *ast.ValueSpec:
		if len(n.Names) == 2 && len(n.Values) == 1 {
			r.commaOK(n.Values[0])
		}
	case *ast.RangeStmt:
		if r.isChan(n.X) {
			if r.oldRange {
				r.rangeLoop(n, parent)
			} else {
				r.wrap(n.X, r.sched("Range")+"(", n.X)
			}
		}
	case *ast.CallExpr:
		r.call(n)
	case *ast.SelectorExpr:
		r.selector(n)
	case *ast.Ident:
		r.ident(n)
	case *ast.SelectStmt:
		r.selectStmt(n)
	case *ast.GoStmt:
		r.goStmt(n)
	}
}

// commaOK rewrites "v, ok := <-ch" (and its = and var forms).
func (r *rewriter) commaOK(rhs ast.Expr) {
	u, ok := ast.Unparen(rhs).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return
	}
	r.wrap(rhs, r.sched("Recv2")+"(", u.X)
}

func (r *rewriter) isChan(x ast.Expr) bool {
	t := r.info.TypeOf(x)
	if t == nil {
		return false
	}
	return isChanType(t, 0)
}

// isChanType reports whether t is a channel type, or a type parameter
// whose constraint admits only channel types (its core type is a channel).
func isChanType(t types.Type, depth int) bool {
	if tp, ok := t.(*types.TypeParam); ok && depth < 10 {
		iface, ok := tp.Constraint().Underlying().(*types.Interface)
		if !ok || iface.NumEmbeddeds() == 0 {
			return false
		}
		for i := 0; i < iface.NumEmbeddeds(); i++ {
			e := iface.EmbeddedType(i)
			if u, ok := e.(*types.Union); ok {
				for j := 0; j < u.Len(); j++ {
					if !isChanType(u.Term(j).Type(), depth+1) {
						return false
					}
				}
			} else if !isChanType(e, depth+1) {
				return false
			}
		}
		return true
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// importSpec replaces the import of a controlled standard package, keeping
// the file's local name for it, and notes cgo.
func (r *rewriter) importSpec(s *ast.ImportSpec) {
	path, err := strconv.Unquote(s.Path.Value)
	if err != nil {
		return
	}
	if path == "C" {
		r.problem(s.Pos(), "uses cgo (import \"C\")")
		return
	}
	repl, ok := Replaced[path]
	if !ok {
		return
	}
	if s.Name != nil && s.Name.Name == "_" {
		return // imported for its side effects only
	}
	text := strconv.Quote(repl)
	if s.Name == nil {
		text = path[strings.LastIndex(path, "/")+1:] + " " + text
		if off := r.off(s.Path.Pos()); off > 0 && !strings.ContainsRune(" \t\n(;", rune(r.src[off-1])) {
			text = " " + text // import"time"
		}
	}
	r.replace(s.Path.Pos(), s.Path.End(), text)
}

func (r *rewriter) problem(p token.Pos, what string) {
	pos := r.fset.Position(p)
	key := fmt.Sprintf("%d:%s", pos.Line, what)
	if r.seenProb == nil {
		r.seenProb = map[string]bool{}
	}
	if r.seenProb[key] {
		return
	}
	r.seenProb[key] = true
	r.problems = append(r.problems, Problem{Pos: pos, What: what})
}

func (r *rewriter) checkComments() {
	for _, g := range r.file.Comments {
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:linkname ") {
				r.problem(c.Pos(), "uses //go:linkname")
			}
		}
	}
}

// funcOf is the function or method an identifier refers to, if any.
func (r *rewriter) funcOf(id *ast.Ident) *types.Func {
	fn, _ := r.info.Uses[id].(*types.Func)
	return fn
}

func pkgPath(fn *types.Func) string {
	if fn == nil || fn.Pkg() == nil {
		return ""
	}
	return fn.Pkg().Path()
}

// isGosched reports whether id refers to runtime.Gosched.
func (r *rewriter) isGosched(id *ast.Ident) bool {
	fn := r.funcOf(id)
	return fn != nil && pkgPath(fn) == "runtime" && fn.Name() == "Gosched"
}

func (r *rewriter) selector(s *ast.SelectorExpr) {
	if r.isGosched(s.Sel) {
		if _, isPkg := r.info.Uses[identOf(s.X)].(*types.PkgName); isPkg {
			r.replace(s.Pos(), s.End(), r.sched("Gosched"))
			r.keepImport(identOf(s.X).Name + ".Gosched")
		}
	}
	fn := r.funcOf(s.Sel)
	switch pkgPath(fn) {
	case "reflect":
		sig, _ := fn.Type().(*types.Signature)
		if sig != nil && sig.Recv() != nil {
			switch fn.Name() {
			case "Send", "Recv", "TrySend", "TryRecv", "Close":
				r.problem(s.Sel.Pos(), "channel operation through reflection (reflect.Value."+fn.Name()+")")
			}
		} else if fn.Name() == "Select" {
			r.problem(s.Sel.Pos(), "channel operation through reflection (reflect.Select)")
		}
	}
}

func identOf(x ast.Expr) *ast.Ident {
	id, _ := ast.Unparen(x).(*ast.Ident)
	return id
}

func (r *rewriter) ident(id *ast.Ident) {
	fn := r.funcOf(id)
	switch p := pkgPath(fn); {
	case p == "syscall" || p == "golang.org/x/sys/unix" || p == "golang.org/x/sys/windows":
		if sig, _ := fn.Type().(*types.Signature); sig != nil && sig.Recv() == nil {
			r.problem(id.Pos(), "calls "+fn.Pkg().Name()+"."+fn.Name()+" (a system call the scheduler cannot see)")
		}
	case p == "runtime" && fn.Name() == "Gosched" && !r.qualified(id):
		// A dot-imported runtime.Gosched (a qualified one is a selector).
		r.replace(id.Pos(), id.End(), r.sched("Gosched"))
		r.keepImport("Gosched")
	}
}

func (r *rewriter) keepImport(use string) {
	for _, u := range r.gosched {
		if u == use {
			return
		}
	}
	r.gosched = append(r.gosched, use)
}

// qualified reports whether id is the Sel of a qualified identifier; the
// walk cannot see the parent of an Ident, so this scans the selector uses.
func (r *rewriter) qualified(id *ast.Ident) bool {
	found := false
	ast.Inspect(r.file, func(n ast.Node) bool {
		if found {
			return false
		}
		if s, ok := n.(*ast.SelectorExpr); ok && s.Sel == id {
			found = true
		}
		return true
	})
	return found
}

// call handles close(ch) and the unsafe conversions of sync types.
func (r *rewriter) call(c *ast.CallExpr) {
	if id := identOf(c.Fun); id != nil && len(c.Args) == 1 {
		if b, ok := r.info.Uses[id].(*types.Builtin); ok && b.Name() == "close" {
			r.wrap(c, r.sched("Close")+"(", c.Args[0])
			return
		}
	}
	tv, ok := r.info.Types[c.Fun]
	if !ok || !tv.IsType() || len(c.Args) != 1 {
		return
	}
	to := tv.Type
	from := r.info.TypeOf(c.Args[0])
	if from == nil {
		return
	}
	switch {
	case isUnsafePointer(to) && syncPointer(from) != "":
		r.problem(c.Pos(), "converts *"+syncPointer(from)+" to unsafe.Pointer")
	case isUnsafePointer(from) && syncPointer(to) != "":
		r.problem(c.Pos(), "converts unsafe.Pointer to *"+syncPointer(to))
	}
}

func isUnsafePointer(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.UnsafePointer
}

// syncPointer is "sync.Mutex" when t is a pointer to a type of sync or
// sync/atomic, "" otherwise.
func syncPointer(t types.Type) string {
	p, ok := t.Underlying().(*types.Pointer)
	if !ok {
		return ""
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	switch n.Obj().Pkg().Path() {
	case "sync", "sync/atomic":
		return n.Obj().Pkg().Name() + "." + n.Obj().Name()
	}
	return ""
}

// selectStmt rewrites a select into one switch statement whose init
// statement builds the cases (a parallel assignment evaluates its calls
// left to right: the channel operands and send values in source order, as
// select does on entry) and whose tag is sched.Select:
//
//	switch _lc0, _lc1 := sched.OnRecv(a), sched.OnSend(b, x); sched.Select(false, _lc0, _lc1) {
//
// A switch keeps the meaning of break, and a label of the select labels
// the switch, for break and goto alike.
func (r *rewriter) selectStmt(s *ast.SelectStmt) {
	b := r.newBuilder(r.off(s.Pos()))
	if len(s.Body.List) == 0 {
		b.str(r.sched("Select") + "(false)")
		r.replace(s.Pos(), s.End(), b.done(r.off(s.End())))
		return
	}
	type clause struct {
		cc   *ast.CommClause
		name string
	}
	var cases []clause
	var names []string
	hasDefault := false
	for _, st := range s.Body.List {
		cc, ok := st.(*ast.CommClause)
		if !ok {
			continue
		}
		if cc.Comm == nil {
			hasDefault = true
			cases = append(cases, clause{cc, ""})
			continue
		}
		name := r.tmp()
		cases = append(cases, clause{cc, name})
		names = append(names, name)
	}
	b.str("switch ")
	if len(names) > 0 {
		b.str(strings.Join(names, ", ") + " := ")
		first := true
		for _, c := range cases {
			if c.name == "" {
				continue
			}
			if !first {
				b.str(", ")
			}
			first = false
			switch comm := c.cc.Comm.(type) {
			case *ast.SendStmt:
				b.str(r.sched("OnSend") + r.sendTypeArg(comm) + "(")
				b.inline(comm.Chan)
				b.str(", ")
				b.inline(comm.Value)
				b.str(")")
			default:
				b.str(r.sched("OnRecv") + "(")
				b.inline(recvChan(c.cc.Comm))
				b.str(")")
			}
		}
		b.str("; ")
	}
	b.sync(r.off(s.Select))
	b.str(r.sched("Select") + "(" + strconv.FormatBool(hasDefault))
	for _, n := range names {
		b.str(", " + n)
	}
	b.str(") ")
	at := r.off(s.Body.Lbrace)
	b.src(at, at+1)
	at++
	i := 0
	for _, c := range cases {
		cc := c.cc
		b.src(at, r.off(cc.Case))
		switch {
		case c.name == "":
			b.str("default:")
		case !hasDefault && i == len(cases)-1:
			// Select(false, …) returns one of the cases: making the last
			// one the default keeps a terminating select terminating.
			b.str("default:")
			r.recvAssign(b, cc.Comm, c.name)
		default:
			b.str("case " + strconv.Itoa(i) + ":")
			i++
			r.recvAssign(b, cc.Comm, c.name)
		}
		at = r.off(cc.Colon) + 1
		b.src(at, r.off(cc.End()))
		at = r.off(cc.End())
	}
	b.src(at, r.off(s.Body.Rbrace)+1)
	r.replace(s.Pos(), s.End(), b.done(r.off(s.End())))
}

// recvChan is the channel operand of a receive communication clause.
func recvChan(comm ast.Stmt) ast.Expr {
	var x ast.Expr
	switch c := comm.(type) {
	case *ast.ExprStmt:
		x = c.X
	case *ast.AssignStmt:
		x = c.Rhs[0]
	}
	if u, ok := ast.Unparen(x).(*ast.UnaryExpr); ok {
		return u.X
	}
	return x // not reached for a select that parses
}

// recvAssign writes the assignment of a chosen receive case's results.
func (r *rewriter) recvAssign(b *builder, comm ast.Stmt, name string) {
	a, ok := comm.(*ast.AssignStmt)
	if !ok {
		return
	}
	b.str(" ")
	for i, l := range a.Lhs {
		if i > 0 {
			b.str(", ")
		}
		b.node(l)
	}
	b.str(" " + a.Tok.String() + " " + name + ".V")
	if len(a.Lhs) == 2 {
		b.str(", " + name + ".OK")
	}
	b.str(";")
	if a.Tok == token.DEFINE {
		for _, l := range a.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
				b.str(" _ = " + id.Name + ";")
			}
		}
	}
}

// goStmt rewrites "go f(a, b)" into
//
//	{ _lc0, _lc1, _lc2 := f, a, b; sched.Go(func() { _lc0(_lc1, _lc2) }) }
//
// so that the function value (a method value's receiver included) and the
// arguments are evaluated by the go statement, as Go does. Values that need
// no evaluation stay in place: declared functions, function literals,
// constants and nil.
func (r *rewriter) goStmt(g *ast.GoStmt) {
	call := g.Call
	b := r.newBuilder(r.off(g.Pos()))
	var values []ast.Expr // hoisted expressions
	var tmpNames []string // and the temporaries that hold them
	hoist := func(x ast.Expr) string {
		name := r.tmp()
		tmpNames = append(tmpNames, name)
		values = append(values, x)
		return name
	}
	// The call, built after the hoisting so that temporaries are numbered
	// in evaluation order.
	fun := ast.Unparen(call.Fun)
	funText := ""
	switch {
	case r.constFunc(fun):
		funText = "" // copied from the source below
	default:
		funText = hoist(call.Fun)
	}
	var argTexts []string // "" means: copy the argument from the source
	if len(call.Args) == 1 && call.Ellipsis == token.NoPos {
		if t, ok := r.info.TypeOf(call.Args[0]).(*types.Tuple); ok && t.Len() > 1 {
			// f(g()) with a multi-valued g.
			var parts []string
			for k := 0; k < t.Len(); k++ {
				parts = append(parts, r.tmp())
			}
			tmpNames = append(tmpNames, strings.Join(parts, ", "))
			values = append(values, call.Args[0])
			argTexts = []string{strings.Join(parts, ", ")}
		}
	}
	if argTexts == nil {
		for _, a := range call.Args {
			if r.inert(a) {
				argTexts = append(argTexts, "")
			} else {
				argTexts = append(argTexts, hoist(a))
			}
		}
	}
	if len(values) > 0 {
		b.str("{ " + strings.Join(tmpNames, ", ") + " := ")
		for i, v := range values {
			if i > 0 {
				b.str(", ")
			}
			if conv := r.untypedConversion(v, call); conv != "" {
				// The temporary must have the parameter's type, not the
				// untyped expression's default type.
				b.str(conv + "(")
				b.node(v)
				b.str(")")
				continue
			}
			b.node(v)
		}
		b.str("; ")
	}
	b.sync(r.off(g.Pos()))
	b.str(r.sched("Go") + "(")
	if lit, ok := fun.(*ast.FuncLit); ok && len(call.Args) == 0 && lit.Type.Params.NumFields() == 0 && funText == "" {
		// go func() { … }(): the literal is the goroutine.
		b.node(call.Fun)
		b.str(")")
	} else {
		b.str("func() { ")
		if funText != "" {
			b.str(funText)
		} else if id := identOf(fun); id != nil && r.isBuiltin(id, "close") {
			b.str(r.sched("Close"))
		} else {
			b.node(call.Fun)
		}
		b.str("(")
		for i, a := range call.Args {
			if i >= len(argTexts) {
				break
			}
			if i > 0 {
				b.str(", ")
			}
			if argTexts[i] == "" {
				b.node(a)
			} else {
				b.str(argTexts[i])
			}
		}
		if call.Ellipsis.IsValid() {
			b.str("...")
		}
		b.str(") })")
	}
	if len(values) > 0 {
		b.str(" }")
	}
	r.replace(g.Pos(), g.End(), b.done(r.off(g.End())))
}

func (r *rewriter) isBuiltin(id *ast.Ident, name string) bool {
	b, ok := r.info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// constFunc reports whether evaluating the function expression of a go
// statement has no effect and always gives the same value: a function
// literal, a builtin, a declared function (qualified or not, instantiated or
// not) or a method expression. Without type information only a literal is.
func (r *rewriter) constFunc(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		switch r.info.Uses[f].(type) {
		case *types.Func, *types.Builtin:
			return true
		}
	case *ast.SelectorExpr:
		if sel, ok := r.info.Selections[f]; ok {
			return sel.Kind() == types.MethodExpr
		}
		_, isFunc := r.info.Uses[f.Sel].(*types.Func)
		return isFunc
	case *ast.IndexExpr:
		return r.constFunc(ast.Unparen(f.X)) && r.isFuncInstance(f.X)
	case *ast.IndexListExpr:
		return r.constFunc(ast.Unparen(f.X)) && r.isFuncInstance(f.X)
	}
	return false
}

func (r *rewriter) isFuncInstance(x ast.Expr) bool {
	_, ok := r.info.TypeOf(x).(*types.Signature)
	return ok
}

// inert reports whether an argument of a go statement can be left in the
// goroutine's call: a constant, nil or a function literal.
func (r *rewriter) inert(a ast.Expr) bool {
	if _, ok := ast.Unparen(a).(*ast.FuncLit); ok {
		return true
	}
	tv, ok := r.info.Types[a]
	return ok && (tv.Value != nil || tv.IsNil())
}

// sendTypeArg is "[T]", T the element type of the channel of a send, when
// Go could not infer T for sched.Send(ch, v): v is typed and its type is not
// the element type (an interface, say); "" otherwise, or when T cannot be
// named here.
func (r *rewriter) sendTypeArg(s *ast.SendStmt) string {
	ct, vt := r.info.TypeOf(s.Chan), r.info.TypeOf(s.Value)
	if ct == nil || vt == nil {
		return ""
	}
	ch, ok := ct.Underlying().(*types.Chan)
	if !ok {
		return ""
	}
	if b, ok := vt.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return ""
	}
	if types.Identical(ch.Elem(), vt) {
		return ""
	}
	name, ok := r.typeString(ch.Elem())
	if !ok {
		return ""
	}
	return "[" + name + "]"
}

// typeString writes t as this file can name it: a package is named as the
// file imports it, or through an added import `_lcpN "path"`. It fails for
// a type of another package that is not exported.
func (r *rewriter) typeString(t types.Type) (string, bool) {
	ok := true
	var self *types.Package
	for _, obj := range r.info.Defs {
		if obj != nil && obj.Pkg() != nil {
			self = obj.Pkg()
			break
		}
	}
	q := func(p *types.Package) string {
		if self != nil && p.Path() == self.Path() {
			return ""
		}
		for _, imp := range r.file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path != p.Path() {
				continue
			}
			switch {
			case imp.Name == nil:
				return p.Name()
			case imp.Name.Name == ".":
				return ""
			case imp.Name.Name != "_":
				return imp.Name.Name
			}
		}
		if r.extraName == nil {
			r.extraName = map[string]string{}
		}
		if n, found := r.extraName[p.Path()]; found {
			return n
		}
		path := p.Path()
		if repl, found := Replaced[path]; found {
			path = repl
		}
		n := "_lcp" + strconv.Itoa(len(r.extra))
		r.extraName[p.Path()] = n
		r.extra = append(r.extra, n+" "+strconv.Quote(path))
		return n
	}
	// An unexported type of another package cannot be named.
	var check func(types.Type)
	seen := map[types.Type]bool{}
	check = func(t types.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Basic:
			if t.Kind() == types.Invalid {
				ok = false
			}
		case *types.Named:
			if o := t.Obj(); o.Pkg() != nil && (self == nil || o.Pkg().Path() != self.Path()) && !o.Exported() {
				ok = false
			}
			if ta := t.TypeArgs(); ta != nil {
				for i := 0; i < ta.Len(); i++ {
					check(ta.At(i))
				}
			}
		case *types.Alias:
			check(types.Unalias(t))
		case *types.Pointer:
			check(t.Elem())
		case *types.Slice:
			check(t.Elem())
		case *types.Array:
			check(t.Elem())
		case *types.Map:
			check(t.Key())
			check(t.Elem())
		case *types.Chan:
			check(t.Elem())
		case *types.Signature:
			for _, tu := range []*types.Tuple{t.Params(), t.Results()} {
				for i := 0; i < tu.Len(); i++ {
					check(tu.At(i).Type())
				}
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				if !t.Field(i).Exported() && t.Field(i).Pkg() != self {
					ok = false
				}
				check(t.Field(i).Type())
			}
		case *types.TypeParam:
			// named in scope
		}
	}
	check(t)
	if !ok {
		return "", false
	}
	return types.TypeString(t, q), true
}

// untypedConversion is the type to convert a hoisted argument of a go
// statement to: a comparison, a logical expression or a shift of an untyped
// constant is untyped (bool, or the constant's kind) until the call gives
// it the parameter's type, which may be a named type (type flag bool) that
// the default type of a temporary does not match. The recorded type is the
// final one; converting to it is what the call did implicitly. "" when no
// conversion is needed or the type cannot be named here.
func (r *rewriter) untypedConversion(a ast.Expr, call *ast.CallExpr) string {
	if a == call.Fun {
		return ""
	}
	if !mayBeUntyped(a) {
		return ""
	}
	t := r.info.TypeOf(a)
	if t == nil {
		return ""
	}
	if b, ok := t.(*types.Basic); ok && (b.Kind() == types.Bool || b.Kind() == types.Int || b.Info()&types.IsUntyped != 0) {
		return "" // the default type: nothing to do
	}
	name, ok := r.typeString(t)
	if !ok {
		return ""
	}
	if strings.ContainsAny(name, " ([*") {
		name = "(" + name + ")"
	}
	return name
}

func mayBeUntyped(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ, token.LAND, token.LOR, token.SHL, token.SHR:
			return true
		}
	case *ast.UnaryExpr:
		return e.Op == token.NOT
	}
	return false
}

// rangeLoop rewrites a range over a channel for a language version without
// range over functions; the channel is evaluated once, as range does:
//
//	L: for v := range ch {  →  { _lc0 := ch; L: for v, _lc1 := sched.Recv2(_lc0); _lc1; v, _lc1 = sched.Recv2(_lc0) {
//
// (before go1.22 the range variable is one variable for the whole loop, as
// here). for v = range ch assigns v at the top of the body from a
// temporary, and for range ch receives into _.
func (r *rewriter) rangeLoop(n *ast.RangeStmt, parent ast.Node) {
	start, label := n.Pos(), ""
	if l, isLabel := parent.(*ast.LabeledStmt); isLabel && l.Stmt == n {
		start = l.Pos()
		label = r.text(r.off(l.Pos()), r.off(l.Colon)+1) + " "
	}
	ch, ok := r.tmp(), r.tmp()
	b := r.newBuilder(r.off(start))
	lhs, assign := "_", ""
	if n.Key != nil {
		if id, isID := n.Key.(*ast.Ident); isID && n.Tok == token.DEFINE {
			lhs = id.Name
		} else if n.Tok == token.ASSIGN {
			lhs = r.tmp()
			assign = " " + r.nodeText(n.Key) + " = " + lhs + ";"
		}
	}
	b.str("{ " + ch + " := ")
	b.node(n.X)
	b.str("; ")
	b.sync(r.off(n.For))
	recv := r.sched("Recv2") + "(" + ch + ")"
	b.str(label + "for " + lhs + ", " + ok + " := " + recv + "; " + ok + "; " + lhs + ", " + ok + " = " + recv + " ")
	lb := r.off(n.Body.Lbrace)
	b.src(lb, lb+1)
	b.str(assign)
	b.src(lb+1, r.off(n.Body.End()))
	b.str(" }")
	r.replace(start, n.Body.End(), b.done(r.off(n.Body.End())))
}

// constrain adds go1.21 to the file's build constraint, on its line, and
// reports whether the file had one. // +build lines become empty comments
// (a //go:build line makes go ignore them, but vet checks that they agree).
func (r *rewriter) constrain() bool {
	var plus []*ast.Comment
	var goBuild *ast.Comment
	for _, g := range r.file.Comments {
		if g.Pos() >= r.file.Package {
			break
		}
		for _, c := range g.List {
			switch {
			case constraint.IsGoBuild(c.Text) && goBuild == nil:
				goBuild = c
			case constraint.IsPlusBuild(c.Text):
				plus = append(plus, c)
			}
		}
	}
	if goBuild != nil {
		x, err := constraint.Parse(goBuild.Text)
		if err != nil {
			return false
		}
		r.edits = append(r.edits, edit{r.off(goBuild.Pos()), r.off(goBuild.End()), "//go:build " + and121(x)})
		for _, c := range plus {
			r.edits = append(r.edits, edit{r.off(c.Pos()), r.off(c.End()), "//"})
		}
		return true
	}
	if len(plus) == 0 {
		return false
	}
	// Only // +build lines: they become one //go:build line on the first's
	// line, and empty comments.
	var x constraint.Expr
	for _, c := range plus {
		y, err := constraint.Parse(c.Text)
		if err != nil {
			return false
		}
		if x == nil {
			x = y
		} else {
			x = &constraint.AndExpr{X: x, Y: y}
		}
	}
	r.edits = append(r.edits, edit{r.off(plus[0].Pos()), r.off(plus[0].End()), "//go:build " + and121(x)})
	for _, c := range plus[1:] {
		r.edits = append(r.edits, edit{r.off(c.Pos()), r.off(c.End()), "//"})
	}
	return true
}

func and121(x constraint.Expr) string {
	return (&constraint.AndExpr{X: x, Y: &constraint.TagExpr{Tag: "go1.21"}}).String()
}
