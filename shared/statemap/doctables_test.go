package statemap

import (
	"regexp"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/session"
)

// TestDocumentedTablesAreTheCode holds the two printed copies of the
// state mapping, docs/design.md §5 and the README's "State mapping", to
// the table in code, row by row, so a reader of either (a client developer
// deciding what 000's "Finished" or 002's "FAILED" can mean) reads what the
// service answers. TestDesignTable is a hand copy of §5 and cannot see the
// documents drift. 000, 001, 002 and 004 cells are the words themselves;
// 003's cells are annotated, so there the child's word must be in the cell,
// with the status code its own endpoint answers instead (401, 410).
func TestDocumentedTablesAreTheCode(t *testing.T) {
	for _, doc := range []struct{ name, text, heading string }{
		{"docs/design.md", doctext.File(t, "docs/design.md"), "## 5. State mapping: canonical → each dialect"},
		{"README.md", doctext.README(t), "### State mapping"},
	} {
		at := strings.Index(doc.text, doc.heading)
		if at < 0 {
			t.Errorf("%s has no %q; want the state mapping under it", doc.name, doc.heading)
			continue
		}
		table := doc.text[at:]
		for _, s := range session.Statuses {
			// Rows are "| STATUS | 000 | 001 | 002 | 003 | 004 |": the
			// first after the heading whose first cell is the status.
			row := regexp.MustCompile(`\| ` + string(s) + ` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|`).FindStringSubmatch(table)
			if row == nil {
				t.Errorf("%s: no row for %s under %q", doc.name, s, doc.heading)
				continue
			}
			w, _ := Of(s)
			for i, want := range map[int]string{1: w.V1Session, 2: w.PaymentStatus, 3: w.PaymentSession, 5: w.SessionRecord} {
				if got := row[i]; got != want {
					t.Errorf("%s, %s, document %s: got %q; want %q (the code's)", doc.name, s, []string{"", "000", "001", "002", "003", "004"}[i], got, want)
				}
			}
			child, _ := CheckoutChild(s)
			cell := row[4]
			if !regexp.MustCompile(`\b` + child + `\b`).MatchString(cell) {
				t.Errorf("%s, %s, document 003: got %q; want it to name %s (the code's)", doc.name, s, cell, child)
			}
			_, err := Checkout(s)
			for code, status := range map[session.Code]string{session.EUNAUTHORIZED: "401", session.EGONE: "410"} {
				if named := strings.Contains(cell, status); named != (session.ErrorCode(err) == code) {
					t.Errorf("%s, %s, document 003: %q names %s: %v; want %v (the code's)", doc.name, s, cell, status, named, !named)
				}
			}
		}
	}
}
