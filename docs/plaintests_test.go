package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPlainTestsAreTheMakefiles: the tests that skip under the race
// detector (racemode.OnlyWithoutDetector) are exactly the Makefile's
// PLAIN_TESTS, which make test runs in its second pass, built without it:
// a test that skipped and was not listed would run in neither pass, and
// one listed that did not skip would run twice. Each calls it first
// (nothing it does runs under -race before the skip), and each name is
// one test's only (the pass's -run matches names in every package).
//
// Each says in its doc comment why the detector loses nothing by it:
// that it "starts no goroutine", or which tests run its concurrent parts
// under the detector ("is checked under the detector by TestA and
// TestB"), each of them a test that exists once and stays in the race
// pass.
//
// The second pass runs only the packages the Makefile finds (PLAIN_PKGS,
// BENCH_PKGS): every package holding one of these tests, and every one
// holding a benchmark (each run once there), must be among them.
func TestPlainTestsAreTheMakefiles(t *testing.T) {
	root, files := trackedFiles(t)
	plain := makefilePlainTests(t, root)
	listed := strings.Split(plain, "|")

	// make test's recipe as make runs it: the race pass over everything,
	// then the listed tests without -race, then the benchmarks (a go test
	// given -bench runs one package at a time).
	out, err := makeDryRun(root, "test")
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	recipe := string(out)
	passes := regexp.MustCompile(`go test -race -count=1 -timeout 12m (?:\./[\w./-]+ )*\./\.\.\. && .*&& go test -count=1 -run "\^\(` +
		regexp.QuoteMeta(plain) + `\)\$" ((?:\./[\w./-]+ ?)+) && go test -count=1 -run "\^\$" -bench \. -benchtime 1x ((?:\./[\w./-]+ ?)+)`).FindStringSubmatch(recipe)
	if passes == nil {
		t.Fatalf("make test's recipe is not the race pass over ./..., then PLAIN_TESTS in their packages, then the benchmarks in theirs:\n%s", recipe)
	}
	pkgs := func(list string) map[string]bool {
		in := map[string]bool{}
		for _, p := range strings.Fields(list) {
			in[strings.TrimPrefix(p, "./")] = true
		}
		return in
	}
	plainPkgs, benchPkgs := pkgs(passes[1]), pkgs(passes[2])

	var skipping []string
	defined := map[string]int{}
	reasons := map[string]string{} // a skipping test: its doc comment
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/testdata/") || strings.HasPrefix(f, "shared/racemode/") {
			continue // racemode's own tests call it in a subtest, to see it skip
		}
		file, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(f)), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Benchmark") && !benchPkgs[filepath.ToSlash(filepath.Dir(f))] {
				t.Errorf("%s (%s): its package is not in make test's benchmark run (BENCH_PKGS): %s", fn.Name.Name, f, passes[2])
			}
			if !ok || fn.Recv != nil || fn.Body == nil || !strings.HasPrefix(fn.Name.Name, "Test") {
				continue
			}
			defined[fn.Name.Name]++
			calls := 0
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if isOnlyWithoutDetector(n) {
					calls++
				}
				return true
			})
			if calls == 0 {
				continue
			}
			skipping = append(skipping, fn.Name.Name)
			if !plainPkgs[filepath.ToSlash(filepath.Dir(f))] {
				t.Errorf("%s (%s): its package is not in make test's second pass (PLAIN_PKGS): %s", fn.Name.Name, f, passes[1])
			}
			reasons[fn.Name.Name] = fn.Doc.Text()
			if first, ok := fn.Body.List[0].(*ast.ExprStmt); calls != 1 || !ok || !isOnlyWithoutDetector(first.X) {
				t.Errorf("%s (%s): racemode.OnlyWithoutDetector must be its first statement, called once", fn.Name.Name, f)
			}
		}
	}
	slices.Sort(skipping)
	sortedListed := slices.Sorted(slices.Values(listed))
	if !slices.Equal(skipping, sortedListed) {
		t.Errorf("tests that skip under -race: %v; PLAIN_TESTS: %v; want the same", skipping, sortedListed)
	}
	inList := map[string]bool{}
	for _, name := range listed {
		inList[name] = true
	}
	for _, name := range skipping {
		doc := strings.Join(strings.Fields(reasons[name]), " ")
		m := checkedBy.FindStringSubmatch(doc)
		if m == nil {
			if !strings.Contains(doc, "starts no goroutine") {
				t.Errorf("%s: its doc comment says neither that it \"starts no goroutine\" nor which tests check its concurrency (\"is checked under the detector by TestA and TestB\")", name)
			}
			continue
		}
		for _, c := range regexp.MustCompile(`Test\w+`).FindAllString(m[1], -1) {
			switch {
			case defined[c] != 1:
				t.Errorf("%s is checked under the detector by %s: %d tests have that name; want 1", name, c, defined[c])
			case inList[c]:
				t.Errorf("%s is checked under the detector by %s, which is in PLAIN_TESTS too; want a test of the race pass", name, c)
			}
		}
	}
	for _, name := range listed {
		if defined[name] != 1 {
			t.Errorf("PLAIN_TESTS names %s: %d tests have that name; want 1", name, defined[name])
		}
	}
}

// checkedBy finds the tests a plain test names as running its concurrent
// parts under the race detector.
var checkedBy = regexp.MustCompile(`under the detector by (Test\w+(?:(?:, | and |, and )Test\w+)*)`)

// isOnlyWithoutDetector: n is a call racemode.OnlyWithoutDetector(...).
func isOnlyWithoutDetector(n ast.Node) bool {
	call, ok := n.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "OnlyWithoutDetector" {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "racemode"
}

// TestCIRunsEachPlainTestOnce: CI's make test-short (.ci/run), right
// before its make test, leaves out the Makefile's PLAIN_TESTS (SKIP_PLAIN=1,
// go test -skip), exactly those, which make test's second pass runs built
// as test-short builds them (no -race) and at full scale: CI ran them
// twice, the heat model, the IAM analysis and the exhaustive checks about
// half of its test-short (r110-testcost). A make test-short alone still
// runs every one.
func TestCIRunsEachPlainTestOnce(t *testing.T) {
	root, _ := trackedFiles(t)
	plain := makefilePlainTests(t, root)
	skip := `-skip "^(` + plain + `)$"`
	for _, tc := range []struct {
		args     []string
		wantSkip bool
	}{
		{[]string{"test-short"}, false},
		{[]string{"test-short", "SKIP_PLAIN=1"}, true},
	} {
		out, err := makeDryRun(root, tc.args...)
		if err != nil {
			t.Fatalf("make -n %v: %v\n%s", tc.args, err, out)
		}
		if got := strings.Contains(string(out), "go test -short -timeout 12m "+skip+" ./..."); got != tc.wantSkip {
			t.Errorf("make %v skips PLAIN_TESTS: got %v; want %v\n%s", tc.args, got, tc.wantSkip, out)
		}
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	short := regexp.MustCompile(`(?m)^[^#\n]*make test-short SKIP_PLAIN=1$`).FindIndex(ci)
	test := regexp.MustCompile(`(?m)^make test$`).FindIndex(ci)
	if short == nil || test == nil || short[0] > test[0] {
		t.Errorf(".ci/run: want make test-short SKIP_PLAIN=1, then make test (whose second pass runs PLAIN_TESTS)")
	}
}

// makeDryRun is make -s -n args in root as CI's make sees them: run from
// make test-short SKIP_PLAIN=1 itself, as CI runs it, a test inherits
// SKIP_PLAIN=1 through MAKEFLAGS, so the make it runs is given none but
// its own arguments (r110's clean-clone CI failed here: "make
// [test-short] skips PLAIN_TESTS: got true"); and a GO the shell exports
// (GO ?= go: a pinned toolchain, GO=go1.24.1 or a full path) is CI's go,
// as the recipes quoted here spell it (GO=$(which go) failed
// TestPlainTestsAreTheMakefiles: "make test's recipe is not the race
// pass ...", r111-flakes13).
func makeDryRun(root string, args ...string) ([]byte, error) {
	cmd := exec.Command("make", append([]string{"-s", "-n", "-C", root, "GO=go"}, args...)...)
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", "SKIP_PLAIN=")
	return cmd.CombinedOutput()
}

// makefilePlainTests returns the PLAIN_TESTS line's value of the Makefile
// under root: the test names joined by "|".
func makefilePlainTests(t *testing.T, root string) string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^PLAIN_TESTS := (\S+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no PLAIN_TESTS := line in the Makefile")
	}
	return string(m[1])
}
