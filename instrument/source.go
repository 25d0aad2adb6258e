package instrument

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
)

// Source parses src as the Go file filename, type-checks it on its own (as
// a package of one file whose imports are resolved from the standard
// library; errors are tolerated, the rewrites that need the missing type
// information are then left out) and rewrites it with File. It returns
// the parser's error for a file that does not parse.
func Source(filename string, src []byte) (*Result, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	info := NewInfo()
	conf := types.Config{
		Importer:    importer.ForCompiler(fset, "gc", nil),
		Error:       func(error) {},
		FakeImportC: true,
	}
	conf.Check(f.Name.Name, fset, []*ast.File{f}, info) // errors tolerated
	return File(fset, f, src, info, filename)
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
