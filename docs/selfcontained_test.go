// Package docs_test checks that the repository is self-contained: no tracked
// file refers to a path outside it. A clone must carry everything it cites
// (the contract is docs/design.md, not a file beside the repository).
package docs_test

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

// pathToken finds path-like words that climb with "../". Quotes, brackets,
// parentheses, backticks and separators end a word, so Go string literals,
// Markdown links and code spans are all read the same way.
var pathToken = regexp.MustCompile("[^\\s\"'`()<>\\[\\]{},;=|*]*\\.\\./[^\\s\"'`()<>\\[\\]{},;=|*]*")

// absoluteToken finds absolute paths into the workspace the repository was
// developed in, where the contract used to live (a folder under /work/ beside
// the repository).
var absoluteToken = regexp.MustCompile("(^|[\\s\"'`(<\\[=:])(/work/[^\\s\"'`)>\\]]*)")

// outsideRefs returns the references in content, a tracked file at the
// slash-separated path file (relative to the repository root), that leave
// the repository.
//
// A relative reference is resolved against the file's folder, which is how
// Markdown links and Go tests (run in their package's folder) read it:
// "../../docs/openapi.yaml" in cmd/localapi stays inside, a "../" to a
// sibling folder of the repository in README.md does not. One in prose (a
// comment, Markdown: proseOf) is also read from the repository's root, as
// the citations this test exists for were written: the contract cited as
// up + "shared/DESIGN.md" (up being "../", as TestOutsideRefs spells it,
// so that this file holds no such reference) in a comment of
// shared/session names shared/shared/DESIGN.md from its folder, inside
// the repository, so it leaves it when what it names there is not in the
// repository (named) and it climbs out of the root. Not references, and so
// not checked: URLs (a
// "/../" in a URL path is the server's business), absolute paths (they start
// with "/", like request paths in tests), and words built on a variable
// ("$(CURDIR)/..", "${HOME}/..") whose base a test cannot know. A bare ".."
// (root = "..") names a folder inside as long as the file is not at the top,
// and is caught there by the "../" rule when it climbs further. A test that
// needs a hostile relative path builds it (strings.Repeat("../", 8)) rather
// than writing one that leaves the repository.
// leavesFromRoot reports whether the relative path tok, read from the
// repository's root, leaves the repository.
func leavesFromRoot(tok string) bool {
	p := path.Clean(tok)
	return p == ".." || strings.HasPrefix(p, "../")
}

// goComment and hashComment find where a comment starts in a line of Go,
// and of YAML, TOML, a Makefile or a shell script: after white space or at
// the line's start, so the "//" of a URL ("https://") starts none.
var (
	goComment   = regexp.MustCompile(`(^|\s)//`)
	hashComment = regexp.MustCompile(`(^|\s)#`)
)

// proseOf returns the part of a line of file that is prose: a Markdown
// file's whole line, a comment's text in Go, YAML, TOML, a Makefile or a
// shell script, and nothing in any other file. Citations are written there,
// and read by their writer from the repository's root as often as from the
// file's own folder.
func proseOf(file, line string) string {
	var comment *regexp.Regexp
	switch base := path.Base(file); {
	case strings.HasSuffix(base, ".md"):
		return line
	case strings.HasSuffix(base, ".go"):
		comment = goComment
	case strings.HasSuffix(base, ".yaml"), strings.HasSuffix(base, ".yml"), strings.HasSuffix(base, ".toml"),
		strings.HasSuffix(base, ".sh"), base == "Makefile", base == ".gitignore", strings.HasPrefix(file, ".ci/"):
		comment = hashComment
	default:
		return ""
	}
	if loc := comment.FindStringIndex(line); loc != nil {
		return line[loc[0]:]
	}
	return ""
}

// namedIn reports whether a slash-separated path relative to the root names
// one of files or a folder holding one (the root is ".").
func namedIn(files []string) func(string) bool {
	names := map[string]bool{".": true}
	for _, f := range files {
		for p := f; p != "."; p = path.Dir(p) {
			names[p] = true
		}
	}
	return func(p string) bool { return names[p] }
}

func outsideRefs(file string, content []byte, named func(string) bool) []string {
	var out []string
	dir := path.Dir(file)
	for i, line := range strings.Split(string(content), "\n") {
		prose := proseOf(file, line)
		for _, tok := range pathToken.FindAllString(line, -1) {
			if strings.Contains(tok, "://") || strings.HasPrefix(tok, "/") ||
				strings.ContainsAny(tok, "$~%") {
				continue
			}
			if p := path.Join(dir, tok); p == ".." || strings.HasPrefix(p, "../") ||
				(strings.Contains(prose, tok) && !named(p) && leavesFromRoot(tok)) {
				out = append(out, refAt(file, i, tok))
			}
		}
		for _, m := range absoluteToken.FindAllStringSubmatch(line, -1) {
			out = append(out, refAt(file, i, m[2]))
		}
	}
	return out
}

func refAt(file string, line int, tok string) string {
	return file + ":" + strconv.Itoa(line+1) + ": " + tok
}

// fixtureFiles are the files TestOutsideRefs takes the repository to hold.
var fixtureFiles = []string{"README.md", "docs/design.md", "docs/openapi.yaml", "shared/session/status.go", "cmd/localapi/openapi_test.go"}

func TestOutsideRefs(t *testing.T) {
	const up, work = "../", "/work/"
	for _, tc := range []struct {
		file, content string
		want          []string
	}{
		// The references this test exists for. (Written as up + "shared/…"
		// and work + "shared/…", so that this file does not itself name the
		// folder beside the repository that the contract came from.)
		{"README.md", "The contract is `" + up + "shared/DESIGN.md`.", []string{"README.md:1: " + up + "shared/DESIGN.md"}},
		{"README.md", "documents (`" + up + "shared/seeds/`)", []string{"README.md:1: " + up + "shared/seeds/"}},
		{"shared/session/status.go", "// see ../../" + up + "shared/DESIGN.md §4", []string{"shared/session/status.go:1: ../../" + up + "shared/DESIGN.md"}},
		{"docs/design.md", "see [the seeds](../" + up + "shared/seeds/000.txt)", []string{"docs/design.md:1: ../" + up + "shared/seeds/000.txt"}},
		{"Makefile", "x:\n\tcat " + up + "shared/DESIGN.md", []string{"Makefile:2: " + up + "shared/DESIGN.md"}},
		{"README.md", "read " + work + "shared/DESIGN.md", []string{"README.md:1: " + work + "shared/DESIGN.md"}},
		{"shared/x/x_test.go", `os.ReadFile("` + work + `shared/seeds/001.txt")`, []string{"shared/x/x_test.go:1: " + work + "shared/seeds/001.txt"}},
		// A citation in prose written from the repository's root, as the
		// original ones were, in a file below it: from its own folder it
		// names nothing in the repository (shared/shared/DESIGN.md), and
		// from the root it leaves it.
		{"shared/session/status.go", "// Status is a canonical status (" + up + "shared/DESIGN.md §4).", []string{"shared/session/status.go:1: " + up + "shared/DESIGN.md"}},
		{"shared/httpapi/x_test.go", "\tx := 1 // the seeds, " + up + "shared/seeds/003.txt", []string{"shared/httpapi/x_test.go:1: " + up + "shared/seeds/003.txt"}},
		{"docs/design.md", "Quoted from `" + up + "shared/seeds/000.txt`.", []string{"docs/design.md:1: " + up + "shared/seeds/000.txt"}},
		{"docs/openapi.yaml", "info: # see " + up + "shared/DESIGN.md", []string{"docs/openapi.yaml:1: " + up + "shared/DESIGN.md"}},
		// Legitimate uses.
		{"shared/session/status.go", "// The contract is ../../docs/design.md §4.", nil},
		{"docs/design.md", "the [layout](" + up + "shared/session)", nil},
		{"shared/dynamolocal/x_test.go", `{name: "package/../../escaped"}, // refused`, nil},
		{"cmd/localapi/openapi_test.go", `const specPath = "../../docs/openapi.yaml"`, nil},
		{"functions/template_test.go", `const root = ".."`, nil},
		{"docs/design.md", "the [README](../README.md)", nil},
		{"shared/httpapi/x_test.go", `get("/v1/session/../../api-keys")`, nil},
		{"README.md", "see https://example.com/a/../../b", nil},
		{"Makefile", "\tcd $(CURDIR)/../x", nil},
		{"README.md", "cd .. && make test", nil},
		{"README.md", "range 1..1000 and `a...b`", nil},
	} {
		got := outsideRefs(tc.file, []byte(tc.content), namedIn(fixtureFiles))
		if !slices.Equal(got, tc.want) {
			t.Errorf("outsideRefs(%s, %q) = %q; want %q", tc.file, tc.content, got, tc.want)
		}
	}
}

// TestNoFileSpellsTheSiblingFolder: the contract's sibling folder, written
// as a path from the repository's root, appears in no tracked file, this
// one included (its examples build it from up), since whoever checks the
// repository greps for that text whatever its context (r109: two of this
// file's own lines held it, skipped by TestNoReferenceLeavesTheRepository).
func TestNoFileSpellsTheSiblingFolder(t *testing.T) {
	root, files := trackedFiles(t)
	sibling := []byte("../" + "shared")
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet committed
			}
			t.Fatal(err)
		}
		if i := bytes.Index(b, sibling); i >= 0 {
			t.Errorf("%s:%d holds %q", f, bytes.Count(b[:i], []byte("\n"))+1, sibling)
		}
	}
}

// TestNoReferenceLeavesTheRepository reads every tracked file, and every new
// one git does not ignore (fuzz corpora, which are hostile inputs by design,
// binary files and this file's examples excepted).
//
// It starts no goroutine (but for os/exec's own, copying git's list of
// files), so make test runs it in its pass without the race detector
// (PLAIN_TESTS).
func TestNoReferenceLeavesTheRepository(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	root, files := trackedFiles(t)
	if len(files) < 50 {
		t.Fatalf("found %d tracked files under %s; want the repository's", len(files), root)
	}
	for _, f := range files {
		if strings.Contains(f, "testdata/fuzz/") || f == "docs/selfcontained_test.go" {
			continue // hostile inputs; this file's own examples
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet committed
			}
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			continue
		}
		for _, ref := range outsideRefs(f, b, namedIn(files)) {
			t.Errorf("%s refers outside the repository", ref)
		}
	}
}

// trackedFiles returns the repository root and its files (slash-separated,
// relative to the root): git's list when this is a git work tree, else every
// file but the ignored build and install folders.
func trackedFiles(t *testing.T) (string, []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("%s is not the repository root: %v", root, err)
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return root, files
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch rel {
			case ".git", ".dynamodb-local", "bin", ".aws-sam":
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return root, files
}
