package store

import (
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// FuzzCursor: any cursor string is refused with EINVALID or decodes to a
// position of the requested day ("" is the day's start). Never a panic.
func FuzzCursor(f *testing.F) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	good := encodeCursor(createdKey(day.Add(10*time.Hour), "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"))
	for _, s := range []string{good, "", "djF8", "!!", good + "A", strings.ToUpper(good), encodeCursor("x#y"),
		encodeCursor(createdKey(day.Add(-time.Hour), "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		key, err := decodeCursor(cursor, day)
		if err != nil {
			if session.ErrorCode(err) != session.EINVALID {
				t.Fatalf("decodeCursor(%q) = %v; want EINVALID", cursor, err)
			}
			return
		}
		if key != "" && (!strings.HasPrefix(key, "2026-11-23T") || len(key) != len(timeLayout)+1+36) {
			t.Fatalf("decodeCursor(%q) = %q; want a position of 2026-11-23", cursor, key)
		}
	})
}
