package instrument

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"sync"
)

// stdImporter imports from the standard library's export data, once per
// package for the life of the process (each first import runs go list), and
// may be used by several goroutines.
var stdImporter = &cachedImporter{imp: importer.ForCompiler(token.NewFileSet(), "gc", nil), m: map[string]imported{}}

type imported struct {
	pkg *types.Package
	err error
}

type cachedImporter struct {
	mu  sync.Mutex
	imp types.Importer
	m   map[string]imported
}

func (c *cachedImporter) Import(path string) (*types.Package, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.m[path]; ok {
		return r.pkg, r.err
	}
	pkg, err := c.imp.Import(path)
	c.m[path] = imported{pkg, err}
	return pkg, err
}

// Source parses src as the Go file filename, type-checks it on its own (as
// a package of one file whose imports are resolved from the standard
// library; errors are tolerated, the rewrites that need the missing type
// information are then left out) and rewrites it with File. It returns
// the parser's error for a file that does not parse.
func Source(filename string, src []byte) (*Result, error) {
	return SourceOptions(src, Options{Filename: filename})
}

// SourceOptions is Source with File's options; opts.Filename names the file.
func SourceOptions(src []byte, opts Options) (*Result, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, opts.Filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	info := NewInfo()
	conf := types.Config{
		Importer:    stdImporter,
		Error:       func(error) {},
		FakeImportC: true,
	}
	conf.Check(f.Name.Name, fset, []*ast.File{f}, info) // errors tolerated
	return File(fset, f, src, info, opts)
}

// NewInfo returns a types.Info with the maps that File reads.
func NewInfo() *types.Info {
	return &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
	}
}
