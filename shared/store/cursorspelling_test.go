package store

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCursorNumbersInOneSpelling: a cursor's partition count and partition
// indexes are read only as encodeCursor writes them (strconv.Itoa): "016",
// "+16", "03" or "+3" name the same numbers, but no list wrote them, so the
// cursor is altered and refused, 400 EINVALID. README: "The cursor is
// opaque; it is refused (400, field: cursor) on another merchant's list,
// another day's, or when it is not a cursor as the service writes them";
// decodeCursor's doc: "Only the encoding
// encodeCursor writes is read ..., so an altered cursor never reads as the
// original". (r90-mutate: decodeCursor without strconv.Itoa(n) != f[2]
// read "016" as 16 and passed every test.)
func TestCursorNumbersInOneSpelling(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	id := "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	at := createdKey(day.Add(10*time.Hour), id)
	later := createdKey(day.Add(11*time.Hour), id)
	tag := merchantTag("m-1")
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	// The spelling encodeCursor writes is read.
	if _, err := decodeCursor(raw("v2|"+tag+"|16|"+at+"|3="+later), "m-1", day, 16); err != nil {
		t.Fatalf("decodeCursor(the written spelling) = %v; want it read", err)
	}
	for _, c := range []struct{ name, cursor string }{
		{"a count with a leading zero", "v2|" + tag + "|016|" + at + "|3=" + later},
		{"a count with a plus sign", "v2|" + tag + "|+16|" + at + "|3=" + later},
		{"a count with a leading zero, no positions", "v2|" + tag + "|016|" + at + "|"},
		{"an index with a leading zero", "v2|" + tag + "|16|" + at + "|03=" + later},
		{"an index with a plus sign", "v2|" + tag + "|16|" + at + "|+3=" + later},
	} {
		_, err := decodeCursor(raw(c.cursor), "m-1", day, 16)
		if session.ErrorCode(err) != session.EINVALID {
			t.Errorf("%s: decodeCursor(%q) = %v; want EINVALID (altered)", c.name, c.cursor, err)
		}
	}
}
