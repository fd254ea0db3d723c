package store

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// FuzzCursor: any cursor string is refused with EINVALID or decodes to a
// position of the requested merchant's day: after and every partition's
// position are sort keys of that day ("" is the day's start), each position
// beyond after. And a cursor accepted is one the list could have written,
// in the one spelling encodeCursor writes ("Only the encoding encodeCursor
// writes is read ... so an altered cursor never reads as the original",
// decodeCursor's doc): read under the partition count it names, it encodes
// back to itself, and under exactly one count. Never a panic.
func FuzzCursor(f *testing.F) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	key := func(h int, id string) string { return createdKey(day.Add(time.Duration(h)*time.Hour), id) }
	id := "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	tag := merchantTag("m-1")
	v1 := func(k string) string { return base64.RawURLEncoding.EncodeToString([]byte("v1|" + k)) }
	good := encodeCursor(16, tag, key(10, id), map[int]string{3: key(11, id), 15: key(12, id)})
	for _, s := range []string{
		good, encodeCursor(16, tag, "", nil), encodeCursor(1, tag, key(10, id), nil), encodeCursor(16, merchantTag("m-2"), key(10, id), nil),
		encodeCursor(16, tag, key(-1, id), nil), encodeCursor(16, tag, key(10, id), map[int]string{16: key(11, id)}),
		encodeCursor(16, tag, key(10, id), map[int]string{2: key(9, id)}), v1(key(10, id)), v1(""), v1("x#y"),
		"", "djF8", "!!", good + "A", strings.ToUpper(good),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		cur, err := decodeCursor(cursor, "m-1", day, 16)
		if err != nil {
			if session.ErrorCode(err) != session.EINVALID {
				t.Fatalf("decodeCursor(%q) = %v; want EINVALID", cursor, err)
			}
			return
		}
		if cur.after != "" && !validListKey(cur.after, day) {
			t.Fatalf("decodeCursor(%q) = after %q; want a position of 2026-11-23", cursor, cur.after)
		}
		if len(cur.pos) != 16 {
			t.Fatalf("decodeCursor(%q) = %d positions; want 16", cursor, len(cur.pos))
		}
		for i, p := range cur.pos {
			if p != "" && (!validListKey(p, day) || p <= cur.after) {
				t.Fatalf("decodeCursor(%q) = position %d %q; want a position of 2026-11-23 beyond %q", cursor, i, p, cur.after)
			}
		}
		if cursor == "" {
			return
		}
		var written []int // the counts under which cursor is encodeCursor's own writing
		for n := 1; n <= MaxListShards; n++ {
			c, err := decodeCursor(cursor, "m-1", day, n)
			if err != nil {
				t.Fatalf("decodeCursor(%q) accepted at 16 partitions, refused at %d: %v; want a cursor read alike under every count", cursor, n, err)
			}
			if c.after != cur.after {
				t.Fatalf("decodeCursor(%q) = after %q at %d partitions, %q at 16; want the same", cursor, c.after, n, cur.after)
			}
			pos := map[int]string{}
			for i, p := range c.pos {
				if p != "" {
					pos[i] = p
				}
			}
			if encodeCursor(n, tag, c.after, pos) == cursor {
				written = append(written, n)
			}
		}
		if len(written) != 1 {
			t.Fatalf("decodeCursor(%q) accepted a cursor that encodeCursor writes under %v partition counts; want exactly one (no other spelling read)", cursor, written)
		}
	})
}

// TestCursorRefusals: cursors of another merchant, another day, or forged
// are refused; one made for another partition count LIST_SHARDS may have
// (1..MaxListShards) keeps its position, one of a count it may not have is
// refused as forged.
// "The cursor is opaque; it is refused (400, field: cursor) on another
// merchant's list, another day's, or when altered" (README).
func TestCursorRefusals(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	id := "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	at := createdKey(day.Add(10*time.Hour), id)
	later := createdKey(day.Add(11*time.Hour), id)
	tag := merchantTag("m-1")
	tests := []struct {
		name   string
		cursor string
		ok     bool
		after  string
		pos3   string
	}{
		{"ours", encodeCursor(16, tag, at, map[int]string{3: later}), true, at, later},
		{"another partition count", encodeCursor(8, tag, at, map[int]string{3: later}), true, at, ""},
		// No cursor: the day from its start.
		{"none", "", true, "", ""},
		{"ours, no partition ahead of after", encodeCursor(16, tag, at, nil), true, at, ""},
		// A page cut after its Queries answered, having consumed nothing,
		// carries its partitions' positions and an empty after (cursor()):
		// the positions are kept, or the next page reads what the index
		// already evaluated again.
		{"positions and no after", encodeCursor(16, tag, "", map[int]string{3: later}), true, "", later},
		// LIST_SHARDS may be raised or lowered within 1..MaxListShards (a
		// release changes it): a cursor made under any of those keeps after.
		{"the fewest partitions LIST_SHARDS may have", encodeCursor(1, tag, at, map[int]string{0: later}), true, at, ""},
		{"the most partitions LIST_SHARDS may have", encodeCursor(MaxListShards, tag, at, map[int]string{3: later, MaxListShards - 1: later}), true, at, ""},
		// No LIST_SHARDS config accepts could have made these: altered.
		{"a partition count above LIST_SHARDS' range", encodeCursor(MaxListShards+1, tag, at, map[int]string{3: later}), false, "", ""},
		{"a partition count of 1,024", encodeCursor(1024, tag, at, nil), false, "", ""},
		{"a partition count of 0", base64.RawURLEncoding.EncodeToString([]byte("v2|" + tag + "|0|" + at + "|")), false, "", ""},
		{"another merchant's", encodeCursor(16, merchantTag("m-2"), at, nil), false, "", ""},
		{"another day's", encodeCursor(16, tag, createdKey(day.Add(-time.Hour), id), nil), false, "", ""},
		// The same day of another month, or year: validListKey compares
		// the date's three parts (a month unchecked passed every test,
		// r111-review).
		{"the same day of another month", encodeCursor(16, tag, createdKey(day.AddDate(0, -1, 0), id), nil), false, "", ""},
		{"the same day of another year", encodeCursor(16, tag, createdKey(day.AddDate(-1, 0, 0), id), nil), false, "", ""},
		{"a position behind after", encodeCursor(16, tag, later, map[int]string{3: at}), false, "", ""},
		// cursor() writes a partition's position only past after.
		{"a position at after", encodeCursor(16, tag, at, map[int]string{3: at}), false, "", ""},
		{"a partition below range", base64.RawURLEncoding.EncodeToString([]byte("v2|" + tag + "|16|" + at + "|-1=" + later)), false, "", ""},
		{"a position of another day", encodeCursor(16, tag, at, map[int]string{3: createdKey(day.Add(25*time.Hour), id)}), false, "", ""},
		{"a partition out of range", base64.RawURLEncoding.EncodeToString([]byte("v2|" + tag + "|16|" + at + "|16=" + later)), false, "", ""},
		{"a partition twice", base64.RawURLEncoding.EncodeToString([]byte("v2|" + tag + "|16|" + at + "|3=" + later + ",3=" + later)), false, "", ""},
		{"a field too many", base64.RawURLEncoding.EncodeToString([]byte("v2|" + tag + "|16|" + at + "||")), false, "", ""},
		{"an id in upper case", encodeCursor(16, tag, strings.ToUpper(at), nil), false, "", ""},
		{"a time not as the store writes it", encodeCursor(16, tag, "2026-11-23T10:00:00Z#"+id, nil), false, "", ""},
		// Fields as encodeCursor writes them, but another version word, or
		// the time read by time.Parse (which takes a comma before the
		// fraction) yet not as the store writes it: altered, refused
		// (r93-mutate: mutants K11, the version unchecked, and K15, the
		// spelling unchecked, passed every test).
		{"another version", base64.RawURLEncoding.EncodeToString([]byte("v3|" + tag + "|16|" + at + "|")), false, "", ""},
		{"a comma before the fraction", encodeCursor(16, tag, strings.Replace(at, ".", ",", 1), nil), false, "", ""},
		{"a position with a comma before its fraction", encodeCursor(16, tag, at, map[int]string{3: strings.Replace(later, ".", ",", 1)}), false, "", ""},
		// A v1 cursor carried no merchant tag: any merchant could present
		// another's (or forge one) and have it accepted.
		{"v1", base64.RawURLEncoding.EncodeToString([]byte("v1|" + at)), false, "", ""},
		{"v1 of the day's start", base64.RawURLEncoding.EncodeToString([]byte("v1|")), false, "", ""},
		{"v1 of another day", base64.RawURLEncoding.EncodeToString([]byte("v1|" + createdKey(day.Add(25*time.Hour), id))), false, "", ""},
		{"not base64url", "a+b/", false, "", ""},
		{"padded", encodeCursor(16, tag, at, nil) + "==", false, "", ""},
		// The same bytes with the last character's unused bits set: an
		// altered cursor, refused as any other.
		{"altered unused bits", alterLastBits(encodeCursor(16, tag, at, nil)), false, "", ""},
		{"a newline inside", encodeCursor(16, tag, at, nil)[:8] + "\n" + encodeCursor(16, tag, at, nil)[8:], false, "", ""},
	}
	for _, tt := range tests {
		cur, err := decodeCursor(tt.cursor, "m-1", day, 16)
		if (err == nil) != tt.ok {
			t.Errorf("%s: decodeCursor = %v; want ok %v", tt.name, err, tt.ok)
			continue
		}
		if err != nil && session.ErrorCode(err) != session.EINVALID {
			t.Errorf("%s: decodeCursor = %v; want EINVALID", tt.name, err)
		}
		if tt.ok && (cur.after != tt.after || cur.pos[3] != tt.pos3) {
			t.Errorf("%s: after %q, pos[3] %q; want %q, %q", tt.name, cur.after, cur.pos[3], tt.after, tt.pos3)
		}
	}
}

// TestCursorSurvivesAChangeOfListShards: a cursor made under any
// LIST_SHARDS config accepts, read under any other (a release raised or
// lowered it between two pages, README), is not refused: it keeps after,
// and its partitions' positions only under the count it was made for.
func TestCursorSurvivesAChangeOfListShards(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	id := "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"
	at := createdKey(day.Add(10*time.Hour), id)
	later := createdKey(day.Add(11*time.Hour), id)
	for made := 1; made <= MaxListShards; made++ {
		for _, read := range []int{1, DefaultListShards, MaxListShards, made} {
			c := encodeCursor(made, merchantTag("m-1"), at, map[int]string{made - 1: later})
			cur, err := decodeCursor(c, "m-1", day, read)
			if err != nil {
				t.Errorf("made at %d, read at %d: decodeCursor = %v; want ok", made, read, err)
				continue
			}
			want := ""
			if made == read {
				want = later
			}
			if cur.after != at || cur.pos[min(made, read)-1] != want {
				t.Errorf("made at %d, read at %d: after %q, pos[%d] %q; want %q, %q", made, read, cur.after, min(made, read)-1, cur.pos[min(made, read)-1], at, want)
			}
		}
	}
}

// alterLastBits returns cursor with the unused low bits of its last
// character set: base64url that decodes, leniently, to the same bytes.
func alterLastBits(cursor string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	unused := map[int]int{2: 4, 3: 2}[len(cursor)%4]
	if unused == 0 {
		panic("cursor has no unused bits: " + cursor)
	}
	last := strings.IndexByte(alphabet, cursor[len(cursor)-1])
	return cursor[:len(cursor)-1] + string(alphabet[last|1])
}

// TestLongestCursorFitsARequest: a client sends the cursor back in the next
// page's request line, and API Gateway's HTTP API takes at most 10,240
// bytes of request line and header values together ("Total combined size
// of request line and header values", not adjustable). The longest cursor
// the list writes, at the most partitions LIST_SHARDS may have (a position
// for every one), stays within maxCursorLen and reads back.
func TestLongestCursorFitsARequest(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	last := createdKey(day.Add(24*time.Hour-100*time.Nanosecond), "ffffffff-ffff-4fff-bfff-ffffffffffff")
	pos := map[int]string{}
	for i := range MaxListShards {
		pos[i] = last
	}
	c := encodeCursor(MaxListShards, merchantTag("m-1"), createdKey(day, "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"), pos)
	t.Logf("the longest cursor at LIST_SHARDS=%d: %d bytes", MaxListShards, len(c))
	if len(c) > maxCursorLen {
		t.Errorf("the longest cursor at LIST_SHARDS=%d is %d bytes; want at most %d", MaxListShards, len(c), maxCursorLen)
	}
	cur, err := decodeCursor(c, "m-1", day, MaxListShards)
	if err != nil || cur.pos[MaxListShards-1] != last {
		t.Errorf("decodeCursor(the longest cursor) = %v, last position %q; want it read back", err, cur.pos[MaxListShards-1])
	}
}
