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
	return strings.Join(strings.Fields(raw(t, path)), " ")
}

// raw is the file at path, from the module's root, as written.
func raw(t testing.TB, path string) string {
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
	return string(b)
}

// Section is README from its second-level heading "## heading" to its end
// (the sections after it included), or ends the test if there is none.
func Section(t testing.TB, heading string) string {
	t.Helper()
	s, ok := section(raw(t, "README.md"), heading)
	if !ok {
		t.Fatalf("README has no %q section", "## "+heading)
	}
	return s
}

// section is doc from its heading "## heading" to its end, white space
// runs as one space: the first line that is that heading and nothing more
// (up to three spaces before it and any after, as Markdown allows), outside
// fenced code blocks, whose lines are text, not headings.
func section(doc, heading string) (string, bool) {
	lines := strings.Split(doc, "\n")
	var fence string // the open fence's marker (``` or ~~~, as long as it was), or ""
	for i, line := range lines {
		l := strings.TrimRight(line, " \t\r")
		indented := strings.TrimLeft(l, " ")
		if len(l)-len(indented) > 3 {
			continue // an indented code block's line, never a heading or fence
		}
		if fence != "" {
			if strings.HasPrefix(indented, fence) && strings.Trim(indented, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		if m := fenceMarker(indented); m != "" {
			fence = m
			continue
		}
		if indented == "## "+heading {
			return strings.Join(strings.Fields(strings.Join(lines[i:], "\n")), " "), true
		}
	}
	return "", false
}

// fenceMarker is the run of three or more backticks or tildes a fenced
// code block's opening line begins with, or "" if line opens none.
func fenceMarker(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 && !(c == "`" && strings.Contains(line[n:], "`")) {
			return line[:n]
		}
	}
	return ""
}
