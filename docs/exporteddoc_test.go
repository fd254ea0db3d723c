package docs_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedIdentifierHasADocComment holds the code standard's doc
// comments past the package clause: every exported function, method of an
// exported type, type, constant and variable of every package that is not
// a main package carries a comment (its own, its group's, or for a value
// in a group, one at the end of its line), as go doc shows it. Tests'
// files are not read: nothing outside their package calls them.
func TestEveryExportedIdentifierHasADocComment(t *testing.T) {
	root, files := trackedFiles(t)
	fset := token.NewFileSet()
	var missing []string
	read := 0
	for _, file := range files {
		if !strings.HasSuffix(file, ".go") || strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(file)), nil, parser.ParseComments|parser.SkipObjectResolution)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if f.Name.Name == "main" {
			continue
		}
		read++
		for _, name := range undocumented(f) {
			missing = append(missing, file+": "+name)
		}
	}
	if read == 0 {
		t.Fatal("no Go file of a package that is not main was read")
	}
	if got, want := missing, []string(nil); len(got) != 0 {
		t.Errorf("exported identifiers without a doc comment: got %v; want %v", got, want)
	}
}

// TestUndocumentedFindsEachKind shows the check above able to fail: each
// kind of exported identifier, written without a comment, is reported, and
// written with one (its own, its group's, a value's line comment) is not.
func TestUndocumentedFindsEachKind(t *testing.T) {
	const src = `package p

func F() {}

// G is documented.
func G() {}

func f() {}

type T struct{}

func (T) M() {}

func (*T) Error() string { return "" }

// N is documented.
func (T) N() {}

type t struct{}

func (t) M() {}

// U is documented.
type U int

type (
	// V is documented.
	V int
	W int
)

const C = 1

// D is documented.
const D = 1

// The group's comment documents E and F1.
const (
	E  = 1
	F1 = 2
)

var (
	X = 1 // X is documented.
	Y = 2
)

var z = 1
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(undocumented(f), ", ")
	want := "func F, type T, method T.M, method T.Error, type W, const C, var Y"
	if got != want {
		t.Errorf("undocumented(...) = %v; want %v", got, want)
	}
}

// undocumented names f's exported identifiers that carry no comment.
func undocumented(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				out = append(out, "func "+d.Name.Name)
				continue
			}
			if recv := receiverName(d.Recv.List[0].Type); ast.IsExported(recv) {
				out = append(out, "method "+recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
						out = append(out, "type "+s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && d.Doc == nil && s.Doc == nil && s.Comment == nil {
							out = append(out, d.Tok.String()+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// receiverName is the name of a method's receiver type: T of T, *T, T[P]
// and *T[P].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
