package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// designQuote finds a quotation that follows a citation of the design
// document directly ("docs/design.md §4, "..."", "docs/design.md §7: "...""):
// only punctuation between them, so the words are the document's by the
// citation's own claim.
var designQuote = regexp.MustCompile(`docs/design\.md §\d+[\s,:—–-]*"([^"]+)"`)

// readmeQuote and openapiQuote find a quotation that follows a citation of
// the README or of docs/openapi.yaml directly, as designQuote does (at
// least one space or punctuation mark between them, so a quoted path such
// as "../docs/openapi.yaml" is no citation), or after the README's section
// named and a colon ("README, Security: "...", "README's Troubleshooting:
// "...").
var (
	readmeQuote  = regexp.MustCompile(`README(?:\.md)?(?:'s)?(?:,? [A-Z][\w-]*(?: [\w-]+){0,3}:)?[\s,:—–-]+"([^"]+)"`)
	openapiQuote = regexp.MustCompile(`docs/openapi\.yaml(?:'s)?[\s,:—–-]+"([^"]+)"`)
)

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
	return misquotesOf(designQuote, design, comment)
}

// misquotesOf returns the quotations in comment that cite finds and doc (a
// document's text, flattened) does not hold.
func misquotesOf(cite *regexp.Regexp, doc, comment string) []string {
	var out []string
	for _, m := range cite.FindAllStringSubmatch(comment, -1) {
		for _, part := range elision.Split(flatten(m[1]), -1) {
			part = strings.Trim(part, " .,;:")
			if len(part) > 8 && !strings.Contains(doc, part) {
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
	checkQuotes(t, "docs/design.md", designQuote)
}

// TestReadmeAndOpenAPIQuotesAreTheirs: a Go comment that quotes the README
// or docs/openapi.yaml right after citing it quotes words the document
// holds, as TestDesignQuotesAreTheDesigns does for the design. A test's
// comment that quotes a document's promise is what ties the test to it;
// once the document was reworded, several still quoted the old words (a
// README section "Operations" that no longer exists among them), so a
// reader could not tell which sentence the test holds.
func TestReadmeAndOpenAPIQuotesAreTheirs(t *testing.T) {
	checkQuotes(t, "README.md", readmeQuote)
	checkQuotes(t, "docs/openapi.yaml", openapiQuote)
}

func TestMisquotesOfReadmeAndOpenAPI(t *testing.T) {
	const readme = "## Operations\n\nA replay returns the first response byte for byte."
	const spec = "description: Minor units, written as a JSON integer."
	for _, tc := range []struct {
		comment string
		bad     bool
	}{
		{`(README, "Operations")`, false},
		{`README's "A replay returns the first response byte for byte"`, false},
		{`the README: "A replay returns ... byte for byte"`, false},
		{`docs/openapi.yaml, "Minor units, written as a JSON integer"`, false},
		{`README, Operations: "A replay returns the first response byte for byte"`, false},
		{`README's Operations: "A replay returns the first response byte for byte"`, false},
		{`(README, "Operations and alarms")`, true},
		{`README, Operations: "A replay returns the first answer byte for byte"`, true},
		{`README's Operations: "A replay returns the first answer byte for byte"`, true},
		{`README.md: "A replay returns the first answer byte for byte"`, true},
		{`docs/openapi.yaml, "Minor units, as a JSON integer"`, true},
		// A quoted path is no citation.
		{`"../docs/openapi.yaml" stays inside, a "../" does not`, false},
		{`"../README.md" is read`, false},
	} {
		bad := len(misquotesOf(readmeQuote, flatten(readme), tc.comment)) > 0 ||
			len(misquotesOf(openapiQuote, flatten(spec), tc.comment)) > 0
		if bad != tc.bad {
			t.Errorf("misquotes(%q) found one: %v; want %v", tc.comment, bad, tc.bad)
		}
	}
}

// checkQuotes fails on every Go comment that cites file (a path from the
// repository's root) with cite and quotes words file does not hold.
func checkQuotes(t *testing.T, file string, cite *regexp.Regexp) {
	t.Helper()
	root, _ := trackedFiles(t)
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	doc := flatten(string(b))
	for _, c := range goComments(t) {
		for _, q := range misquotesOf(cite, doc, c.text) {
			t.Errorf("%s:%d: quotes %s, which has no such words: %q", c.file, c.line, file, q)
		}
	}
}

// commentBlock is a run of Go comment lines (// at a line's start, after
// white space), their texts joined by spaces, and the line it starts on.
type commentBlock struct {
	file string
	line int
	text string
}

// comments holds the tracked Go files' comment blocks once read: the three
// documents' checks read the same comments, and reading them is most of
// their time.
var comments struct {
	sync.Mutex
	blocks []commentBlock
}

// goComments returns the comment blocks of every tracked Go file but this
// one, read once per test binary (again after a read that failed).
func goComments(t *testing.T) []commentBlock {
	t.Helper()
	comments.Lock()
	defer comments.Unlock()
	if comments.blocks != nil {
		return comments.blocks
	}
	root, files := trackedFiles(t)
	blocks := []commentBlock{}
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
		end := func() {
			blocks = append(blocks, commentBlock{f, start, strings.Join(block, " ")})
			block = block[:0]
		}
		for i, line := range strings.Split(string(src), "\n") {
			if text, ok := commentText(line); ok {
				if len(block) == 0 {
					start = i + 1
				}
				block = append(block, text)
				continue
			}
			if len(block) > 0 {
				end()
			}
		}
		if len(block) > 0 {
			end()
		}
	}
	comments.blocks = blocks
	return blocks
}

// commentText is what the regular expression `^\s*// ?(.*)$` finds in a
// line (one without a line feed): after white space (\s, [\t\n\f\r ]),
// "//" and at most one space, the rest. A scan rather than the expression,
// which under -race was most of these tests' time.
func commentText(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, "\t\n\f\r "), "//")
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(rest, " "), true
}

// TestCommentTextIsTheExpressions: commentText finds what the expression it
// replaced finds, in each kind of line the files hold.
func TestCommentTextIsTheExpressions(t *testing.T) {
	re := regexp.MustCompile(`^\s*// ?(.*)$`)
	for _, line := range []string{
		"", "//", "// a", "//a", "//  two spaces", "\t// tab first", " \t\f\r// mixed", "\v// vertical tab",
		"/// three", "x // trailing", "/* block */", "/", " / / no", "// ends in \r", "//\xff invalid", "\u00a0// no-break space",
	} {
		text, ok := commentText(line)
		m := re.FindStringSubmatch(line)
		if ok != (m != nil) || ok && text != m[1] {
			t.Errorf("commentText(%q) = %q, %v; want the expression's %q", line, text, ok, m)
		}
	}
}
