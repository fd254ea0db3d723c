package docs_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryPackageHasADocComment holds the code standard's "a doc comment
// on every package" for every package in the repository, the external test
// packages (package x_test) and the main packages under testdata included:
// at least one of a package's files carries a comment on its package clause.
func TestEveryPackageHasADocComment(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "*.go").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	documented := map[string]bool{} // "dir (package)" -> has a doc comment
	fset := token.NewFileSet()
	for _, file := range strings.Fields(string(out)) {
		f, err := parser.ParseFile(fset, filepath.Join("..", file), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		pkg := path.Dir(file) + " (" + f.Name.Name + ")"
		documented[pkg] = documented[pkg] || f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != ""
	}
	if len(documented) == 0 {
		t.Fatal("git ls-files listed no Go file")
	}
	var missing []string
	for pkg, ok := range documented {
		if !ok {
			missing = append(missing, pkg)
		}
	}
	sort.Strings(missing)
	if got, want := missing, []string(nil); len(got) != 0 {
		t.Errorf("packages without a doc comment: got %v; want %v", got, want)
	}
}
