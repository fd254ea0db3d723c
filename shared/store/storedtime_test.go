package store

import (
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestStoredInstantAllocatesNothing: every read decodes each of a session's
// times (and every history entry's) through storedInstant, so the check
// of the store's form must cost no allocation: it compares the text with
// timeLayout byte by byte, and time.Parse of a valid UTC text allocates
// nothing. Nothing is pooled or cached behind it.
func TestStoredInstantAllocatesNothing(t *testing.T) {
	for _, s := range []string{"2026-11-23T10:00:00.0000000Z", "2026-11-23T10:00:00-00:09", "2026-11-23T10:00:00.0000000+00:00"} {
		var ok bool
		if got := testing.AllocsPerRun(200, func() { _, ok = storedInstant(s) }); got != 0 {
			t.Errorf("storedInstant(%q) (ok %v): got %v allocations; want 0", s, ok, got)
		}
	}
}

// TestStoredInstantIsFormatTimesInverse: for instants formatTime writes
// (UTC, 100 ns, years 0000 to 9999 but the zero time), storedInstant reads
// exactly formatTime's text back as the instant, and no other text of it.
func TestStoredInstantIsFormatTimesInverse(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 11, 23, 10, 0, 0, 100, time.UTC),
		time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("", -9*60)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC),
		time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC),
	} {
		text := formatTime(at)
		got, ok := storedInstant(text)
		if !ok || !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("storedInstant(%q) = %v, %v; want %v in UTC", text, got, ok, at)
		}
		for _, other := range []string{at.Format(time.RFC3339Nano), at.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.0000000Z07:00")} {
			if other == text {
				continue
			}
			if got, ok := storedInstant(other); ok {
				t.Errorf("storedInstant(%q) = %v: got read; want refused (the store writes %q)", other, got, text)
			}
		}
	}
}

// decodedItem is the item of a session as one read decodes it: a
// merchant's session with four history entries, no URL or object (those
// cost their parse, as create's check of them does).
func decodedItem(t testing.TB) map[string]ddb.AttributeValue {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	v := session.New(&session.Draft{Amount: new(int64(8800)), Currency: "ZAR", OrderID: "order-1"}, "m-1", "1bbb38a6-c081-4a56-8e5e-92c8a6c847b0", "hcp", now, session.DefaultPolicy)
	for i := 1; i <= 4; i++ {
		v.History = append(v.History, session.Change{Status: session.Processing, Reason: "step", At: now.Add(time.Duration(i) * time.Second)})
	}
	s := New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return now })
	av, err := s.Item(v)
	if err != nil {
		t.Fatal(err)
	}
	return av
}

// BenchmarkDecodeSession is one session read's decoding of the item
// DynamoDB answers (attributevalue, then every time through storedTime
// and every field through session.ForeignField).
func BenchmarkDecodeSession(b *testing.B) {
	av := decodedItem(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeSession(av); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDecodeSessionAllocations holds a read's decoding at its 9
// allocations (BenchmarkDecodeSession: the session, its history, the
// decoder's own): the whole-item check (session.ForeignField) and the
// time and index checks add none. The count fell to 13 unnoticed once
// (r103), when the index checks built their keys. Nothing is pooled
// behind decodeSession, so the count is exact, with -race too; the one
// cache behind it, the card rule's digit bounds (session's digitBound),
// is filled once per block of characters and not at all for this ASCII
// item, and AllocsPerRun's first run would take it anyway.
func TestDecodeSessionAllocations(t *testing.T) {
	av := decodedItem(t)
	if got := testing.AllocsPerRun(200, func() {
		if _, err := decodeSession(av); err != nil {
			t.Fatal(err)
		}
	}); got != 9 {
		t.Errorf("decodeSession: got %v allocations; want 9", got)
	}
}
