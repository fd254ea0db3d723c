package store

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCursorOfTheFirstDaysRefusesAPositionThatIsNoTime: README, the list:
// "Any such day from 0000-01-01 to 9999-12-31 is read", and a cursor's
// positions are sort keys of that day, "<createdAt>#<id>", createdAt as
// the store writes it (validListKey). On 0001-01-01, the zero time's day,
// a position whose time is none (a word, or the zero instant, which the
// store never writes as text) is as altered as on any other day:
// EINVALID, never read as a position of the day.
func TestCursorOfTheFirstDaysRefusesAPositionThatIsNoTime(t *testing.T) {
	id := "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	tag := merchantTag("m-1")
	for _, day := range []time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)} {
		for _, key := range []string{"x#" + id, "0001-01-01T00:00:00.0000000Z#" + id, "0001-01-01T00:00:00Z#" + id} {
			for name, cursor := range map[string]string{
				"after":    encodeCursor(16, tag, key, nil),
				"position": encodeCursor(16, tag, "", map[int]string{3: key}),
			} {
				if _, err := decodeCursor(cursor, "m-1", day, 16); session.ErrorCode(err) != session.EINVALID {
					t.Errorf("day %s, %s %q: decodeCursor() = %v; want %s", day.Format(time.DateOnly), name, key, err, session.EINVALID)
				}
			}
		}
	}
}
