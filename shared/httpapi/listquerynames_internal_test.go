package httpapi

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestListQueryReadsOnlyItsOwnNames: README, "Parameters of other names are
// ignored, not refused, and names are case-sensitive: `Limit=1` or
// `created_date=` is not read (a client that misspells `limit` gets the
// whole day)". A pair of another name is not judged even when its value is
// malformed; `limit` itself still is.
func TestListQueryReadsOnlyItsOwnNames(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query     string
		wantLimit int
		wantField string // "" for no error
	}{
		{"createdDate=2026-12-06&Limit=1", 0, ""},
		{"createdDate=2026-12-06&LIMIT=1&Cursor=x&created_date=2026-01-01", 0, ""},
		{"createdDate=2026-12-06&foo=%zz&limit%20=0&bar=2;x", 0, ""},
		{"CreatedDate=2026-12-06", 0, "createdDate"},
		{"created_date=2026-12-06", 0, "createdDate"},
		{"createdDate=2026-12-06&Limit=1&limit=2", 2, ""},
		{"createdDate=2026-12-06&Limit=1&limit=0", 0, "limit"},
		{"createdDate=2026-12-06&%6Cimit=3", 3, ""}, // a name is decoded: %6C is "l"
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/pps/api/v1/session-record?"+tc.query, nil)
			lq, _, err := listQuery(r, "m-1")
			var gotField string
			if err != nil {
				gotField = session.ErrorField(err)
			}
			if gotField != tc.wantField || (err != nil) != (tc.wantField != "") {
				t.Fatalf("listQuery() error %v (field %q); want field %q", err, gotField, tc.wantField)
			}
			if err == nil && (lq.Limit != tc.wantLimit || !lq.Day.Equal(day) || lq.Cursor != "") {
				t.Errorf("got %+v; want limit %d, day %s, no cursor", lq, tc.wantLimit, day.Format(time.DateOnly))
			}
		})
	}
}
