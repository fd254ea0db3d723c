package docs_test

import (
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
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
	documented := packageDocs(t)
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

// TestPackageDocsNeedNoGit: the doc comment check reads the same packages
// where the repository is no git work tree (a source archive; no git on
// PATH reads the same), as the self-contained check does (trackedFiles).
// It ran git ls-files alone, and failed there.
func TestPackageDocsNeedNoGit(t *testing.T) {
	withGit := packageDocs(t)
	t.Setenv("PATH", "")
	without := packageDocs(t)
	if len(without) != len(withGit) {
		t.Errorf("got %d packages without git; want %d", len(without), len(withGit))
	}
	for pkg, ok := range withGit {
		if got, found := without[pkg]; !found || got != ok {
			t.Errorf("%s without git: got documented=%v (found %v); want %v", pkg, got, found, ok)
		}
	}
}

// packageDocs reads every Go file of the repository (trackedFiles: git's
// list, untracked files not ignored included, or the tree's when git
// cannot say) and reports for each package ("dir (name)") whether one of
// its files carries a doc comment. A file git lists that is gone from the
// work tree (deleted, not yet staged) is not read.
func packageDocs(t *testing.T) map[string]bool {
	t.Helper()
	root, files := trackedFiles(t)
	documented := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		if !strings.HasSuffix(file, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(file)), nil, parser.PackageClauseOnly|parser.ParseComments)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		pkg := path.Dir(file) + " (" + f.Name.Name + ")"
		documented[pkg] = documented[pkg] || f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != ""
	}
	if len(documented) == 0 {
		t.Fatal("the repository holds no Go file")
	}
	return documented
}
