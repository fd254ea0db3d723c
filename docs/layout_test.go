package docs_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTopLevelIsFixed holds the repository's top level to docs/design.md
// §10: "The top level is fixed: `functions/`, `shared/`, `cmd/`, `docs/`,
// `events/`, `template.yaml`, `samconfig.toml`, `go.mod`, `go.sum`,
// `Makefile`, `README.md`, `BENCHMARKS.md` (the last `make bench` table and
// its analysis), `.gitignore`, and `.ci/` for CI." Every entry must exist,
// and nothing else may be tracked at the top.
func TestTopLevelIsFixed(t *testing.T) {
	fixed := []string{".ci", ".gitignore", "BENCHMARKS.md", "Makefile", "README.md", "cmd", "docs", "events",
		"functions", "go.mod", "go.sum", "samconfig.toml", "shared", "template.yaml"}
	_, files := trackedFiles(t)
	var got []string
	for _, f := range files {
		top, _, _ := strings.Cut(f, "/")
		if !slices.Contains(got, top) {
			got = append(got, top)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, fixed) {
		t.Errorf("top level: got %v; want %v", got, fixed)
	}
}

// TestDomainImportsNothingFromAWS holds docs/design.md §10: "`session` is
// the domain (statuses, transitions, time rules, validation, coded errors)
// and imports nothing from AWS" (CONVENTIONS: "domain imports nothing from
// AWS"), through every package it reaches, the standard library's aside.
func TestDomainImportsNothingFromAWS(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./shared/session")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./shared/session: %v", err)
	}
	var aws []string
	for _, p := range strings.Fields(string(out)) {
		if isAWS(p) {
			aws = append(aws, p)
		}
	}
	if len(aws) != 0 || !strings.Contains(string(out), "/shared/session") {
		t.Errorf("shared/session's imports from AWS: got %v; want none (go list said %q)", aws, out)
	}
}

// isAWS reports whether the import path p is AWS's code: its SDKs, the
// Lambda runtime libraries, smithy-go and any other module under
// github.com/aws/ (github.com/awslabs/ too).
func isAWS(p string) bool {
	return strings.HasPrefix(p, "github.com/aws/") || strings.HasPrefix(p, "github.com/awslabs/")
}

func TestIsAWS(t *testing.T) {
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"github.com/aws/aws-sdk-go-v2/service/dynamodb", true},
		{"github.com/aws/smithy-go", true},
		{"github.com/aws/aws-lambda-go/lambda", true},
		{"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter", true},
		{"github.com/paysessions/paysessions/shared/session", false},
		{"golang.org/x/text/unicode/norm", false},
	} {
		if got := isAWS(tt.path); got != tt.want {
			t.Errorf("isAWS(%q) = %v; want %v", tt.path, got, tt.want)
		}
	}
}

// TestNoPackageHasAForbiddenName holds docs/design.md §10: "No package is
// named `util`, `common`, `types` or `shared`" (a test package's `_test`
// suffix aside), by the package clause of every Go file.
func TestNoPackageHasAForbiddenName(t *testing.T) {
	root, files := trackedFiles(t)
	fset := token.NewFileSet()
	var bad []string
	for _, file := range files {
		if !strings.HasSuffix(file, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(file)), nil, parser.PackageClauseOnly)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch strings.TrimSuffix(f.Name.Name, "_test") {
		case "util", "common", "types", "shared":
			bad = append(bad, file+" (package "+f.Name.Name+")")
		}
	}
	if len(bad) != 0 {
		t.Errorf("packages with a forbidden name: got %v; want none", bad)
	}
}

// TestFunctionsOnlyWire holds docs/design.md §10: "`functions/<name>/main.go`:
// one Lambda per endpoint, wiring only (about 20 lines: read the
// configuration, build clients once, start the runtime). No work in
// `init()`." A function's folder holds its main.go alone, tests aside (work
// in another file of package main would be no wiring), of at most 30 lines, with no
// init function.
func TestFunctionsOnlyWire(t *testing.T) {
	const maxLines = 30 // "about 20 lines"
	root, files := trackedFiles(t)
	fset := token.NewFileSet()
	mains := 0
	for _, file := range files {
		dir, name := path.Split(file)
		if !strings.HasPrefix(file, "functions/") || strings.Count(file, "/") != 2 || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if name != "main.go" {
			t.Errorf("%s: a function's folder holds main.go only; got %s beside it", dir, name)
			continue
		}
		mains++
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(file)), nil, 0)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if lines := fset.File(f.Pos()).LineCount(); lines > maxLines {
			t.Errorf("%s: got %d lines; want at most %d (wiring only)", file, lines, maxLines)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
				t.Errorf("%s: got a func init; want none (no work in init())", file)
			}
		}
	}
	if mains == 0 {
		t.Fatal("no functions/<name>/main.go found")
	}
}

// TestDesignNamesEverySharedPackage holds docs/design.md §10 ("`shared/`:
// one package per concern, named for what it provides", followed by what
// each provides) to the packages there are: every package folder under
// shared/ (a folder holding a tracked .go file directly) is named, in
// backquotes, in that part of §10.
func TestDesignNamesEverySharedPackage(t *testing.T) {
	_, files := trackedFiles(t)
	design, err := os.ReadFile("design.md")
	if err != nil {
		t.Fatal(err)
	}
	_, part, ok := strings.Cut(string(design), "\n- `shared/`:")
	if ok {
		part, _, ok = strings.Cut(part, "\n- `cmd/`:")
	}
	if !ok {
		t.Fatal("docs/design.md §10: the `shared/` item is gone")
	}
	var missing []string
	for _, file := range files {
		dir, name := path.Split(file)
		if !strings.HasPrefix(dir, "shared/") || strings.Count(dir, "/") != 2 || !strings.HasSuffix(name, ".go") {
			continue
		}
		pkg := strings.TrimSuffix(strings.TrimPrefix(dir, "shared/"), "/")
		if !strings.Contains(part, "`"+pkg+"`") && !slices.Contains(missing, pkg) {
			missing = append(missing, pkg)
		}
	}
	if len(missing) != 0 {
		t.Errorf("shared/ packages docs/design.md §10 does not name: got %v; want none", missing)
	}
}
