// Package doctext gives tests the repository's documents (the README,
// docs/design.md, docs/openapi.yaml) as their quotes are checked: with
// their line breaks and runs of spaces as one space, since a document may
// wrap a sentence anywhere a space is. Tests that hold a quote of a
// document to the code (a Troubleshooting entry to the error it names)
// read it here, from the module's root, whatever package they are in.
package doctext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// README is the module's README.md, its white space runs as one space.
func README(t testing.TB) string {
	t.Helper()
	return File(t, "README.md")
}

// File is the file at path, from the module's root ("docs/design.md"), its
// white space runs as one space.
func File(t testing.TB, path string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("doctext: no go.mod above the test's directory")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// Section is README from its second-level heading "## heading" to its end
// (the sections after it included), or ends the test if there is none.
func Section(t testing.TB, heading string) string {
	t.Helper()
	text := README(t)
	i := strings.Index(text, " ## "+heading+" ")
	if i < 0 {
		t.Fatalf("README has no %q section", "## "+heading)
	}
	return text[i+1:]
}
