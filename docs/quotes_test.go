package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// designQuote finds a quotation that follows a citation of the design
// document directly ("docs/design.md §4, "..."", "docs/design.md §7: "...""):
// only punctuation between them, so the words are the document's by the
// citation's own claim.
var designQuote = regexp.MustCompile(`docs/design\.md §\d+[\s,:—–-]*"([^"]+)"`)

// elision splits a quotation at the places a writer may leave words out or
// insert their own: "...", "…" and a bracketed insertion.
var elision = regexp.MustCompile(`\.\.\.|…|\[[^\]]*\]`)

// flatten reads text as a quotation is compared: Markdown code and emphasis
// marks dropped, white space of any kind as one space.
func flatten(s string) string {
	s = strings.NewReplacer("`", "", "*", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// misquotes returns the quotations in comment (a Go comment's text, its
// lines joined) cited as design's that design does not hold.
func misquotes(design, comment string) []string {
	var out []string
	for _, m := range designQuote.FindAllStringSubmatch(comment, -1) {
		for _, part := range elision.Split(flatten(m[1]), -1) {
			part = strings.Trim(part, " .,;:")
			if len(part) > 8 && !strings.Contains(design, part) {
				out = append(out, m[1])
				break
			}
		}
	}
	return out
}

func TestMisquotes(t *testing.T) {
	const design = "An open session is expired from the instant `expiresAt` is reached\n(`now >= expiresAt`), whether or not the sweeper has written it."
	d := flatten(design)
	for _, tc := range []struct {
		comment string
		bad     bool
	}{
		{`docs/design.md §4, "An open session is expired from the instant expiresAt is reached"`, false},
		{`docs/design.md §4: "An open session is expired ... whether or not the sweeper has written it."`, false},
		{`docs/design.md §4, "From [that] the instant expiresAt is reached"`, false},
		// The outside contract's sentence, cited as the repository's.
		{`docs/design.md §4, "Reads are exact to the second"`, true},
		{`docs/design.md §4, "An open session expires at expiresAt"`, true},
		// Not a quotation of the design: another document named between.
		{`docs/design.md §4, and README's "Reads are exact to the second"`, false},
	} {
		if got := len(misquotes(d, tc.comment)) > 0; got != tc.bad {
			t.Errorf("misquotes(%q) found one: %v; want %v", tc.comment, got, tc.bad)
		}
	}
}

// TestDesignQuotesAreTheDesigns: a Go comment that quotes docs/design.md
// right after citing it quotes words the document holds (elisions and
// bracketed insertions aside). The citations were once to the contract
// outside the repository, whose sentences docs/design.md words
// differently; a renamed citation in front of the old sentence sends a
// reader to a line that does not exist.
func TestDesignQuotesAreTheDesigns(t *testing.T) {
	root, files := trackedFiles(t)
	b, err := os.ReadFile(filepath.Join(root, "docs", "design.md"))
	if err != nil {
		t.Fatal(err)
	}
	design := flatten(string(b))
	comment := regexp.MustCompile(`^\s*// ?(.*)$`)
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") || f == "docs/quotes_test.go" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			t.Fatal(err)
		}
		var block []string
		start := 0
		check := func() {
			for _, q := range misquotes(design, strings.Join(block, " ")) {
				t.Errorf("%s:%d: quotes docs/design.md, which has no such words: %q", f, start, q)
			}
			block = block[:0]
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := comment.FindStringSubmatch(line); m != nil {
				if len(block) == 0 {
					start = i + 1
				}
				block = append(block, m[1])
				continue
			}
			if len(block) > 0 {
				check()
			}
		}
		if len(block) > 0 {
			check()
		}
	}
}
