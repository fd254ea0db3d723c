package store

import (
	"testing"
	"time"
)

// TestListCursorKeepsItsPositions: a page that stops with a partition's
// first Query answered and its entries still buffered (a round after the
// first cut by the budget before they were consumed) gives back, for that
// partition, the position it started from (its cursor's), not what it had
// scanned before that Query (nothing yet): everything of the partition up
// to there was evaluated by the index and is gone for good. A cursor that
// dropped it went back before its own position, and "the next page
// resumes further on, so following the Links always ends" (README, "The
// day's list") held only while DynamoDB answered in time.
func TestListCursorKeepsItsPositions(t *testing.T) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	key := func(min int, id string) string {
		return createdKey(day.Add(time.Duration(min)*time.Minute), id)
	}
	last := key(1, "00000000-0000-4000-8000-000000000001")
	from := key(5, "00000000-0000-4000-8000-000000000005")
	buffered := key(6, "00000000-0000-4000-8000-000000000006")
	mtag := merchantTag("m-1")
	r := &lister{
		mtag: mtag,
		last: last,
		from: []string{from, last},
		parts: []*listPart{
			// Its first Query answered: nothing scanned before it.
			{buf: []indexEntry{{key: buffered, part: 0}}, scanned: buffered},
			{done: true},
		},
	}
	cur, err := decodeCursor(r.cursor(), "m-1", day, 2)
	if err != nil {
		t.Fatal(err)
	}
	if cur.after != last || cur.pos[0] != from || cur.pos[1] != "" {
		t.Errorf("got after %q, positions %q; want after %q, positions [%q \"\"]", cur.after, cur.pos, last, from)
	}
}
