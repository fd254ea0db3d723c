package doctext

import "testing"

// TestSectionMatchesAWholeHeadingOutsideFences: a section begins at a line
// that is the heading "## heading" and nothing more, outside fenced code
// blocks; a longer heading that begins with the same words, a deeper or
// shallower heading, the words inside a line of text, and a heading line
// inside a ``` or ~~~ fence (an example of a Markdown file, a shell
// session's output) are not it.
func TestSectionMatchesAWholeHeadingOutsideFences(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // "": no section
	}{
		{"the heading", "# Guide\n\ntext\n\n## Troubleshooting\n\nfix it\n", "## Troubleshooting fix it"},
		{"the heading on the first line", "## Troubleshooting\nfix it", "## Troubleshooting fix it"},
		{"trailing spaces", "text\n## Troubleshooting  \nfix it\n", "## Troubleshooting fix it"},
		{"the sections after it", "## Troubleshooting\nfix it\n## Next\nmore\n", "## Troubleshooting fix it ## Next more"},
		{"none", "# Guide\ntext\n", ""},
		{"a longer heading only", "text\n## Troubleshooting the list\nnot this\n", ""},
		{"a longer heading first", "## Troubleshooting the list\nnot this\n## Troubleshooting\nfix it\n", "## Troubleshooting fix it"},
		{"a third-level heading only", "### Troubleshooting\nnot this\n", ""},
		{"a first-level heading only", "# Troubleshooting\nnot this\n", ""},
		{"the words inside a line", "see the ## Troubleshooting section\nbelow\n", ""},
		{"the words ending a line", "see below, ## Troubleshooting\nsection\n", ""},
		{"a heading line interrupting a paragraph", "see the section\n## Troubleshooting\nbelow", "## Troubleshooting below"},
		{"in a ``` fence only", "```markdown\n## Troubleshooting\n```\ntext\n", ""},
		{"in a ~~~ fence only", "~~~\n## Troubleshooting\n~~~\ntext\n", ""},
		{"in an indented fence only", "  ```\n## Troubleshooting\n  ```\ntext\n", ""},
		{"in a fence, then the heading", "```\n## Troubleshooting\nnot this\n```\n## Troubleshooting\nfix it\n", "## Troubleshooting fix it"},
		{"a ``` inside a longer fence", "````\n```\n## Troubleshooting\nnot this\n````\n## Troubleshooting\nfix it\n", "## Troubleshooting fix it"},
		{"a ~~~ inside a ``` fence", "```\n~~~\n## Troubleshooting\n```\n## Troubleshooting\nfix it\n", "## Troubleshooting fix it"},
		{"an unclosed fence", "```\n## Troubleshooting\nnot this\n", ""},
	}
	for _, tt := range tests {
		got, ok := section(tt.doc, "Troubleshooting")
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("%s: section = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}
