package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// Document 004's one statement about createdDate, word for word.
const doc004CreatedDate = "A date, formatted as yyyy-MM-dd , when the records have been created"

// TestDocument004CreatedDateIsACalendarDate reads createdDate as document
// 004 states it (doc004CreatedDate) and as docs/design.md §6 says
// ("A missing or malformed `createdDate` … is 400"): exactly a calendar date
// of four, two and two digits. A date the calendar does not have (29
// February of a common year), a sign, an extended year, white space, other
// scripts' digits, a time or a NUL is malformed (400 naming createdDate),
// never read as some nearby day; a valid day with no sessions — empty,
// in the future, or in the far past at either end of the four-digit
// years — is 200 [] (with limit, 200 [] and no Link), as a client written
// to the document expects of a day with no records.
func TestDocument004CreatedDateIsACalendarDate(t *testing.T) {
	eachStore(t, testDocument004CreatedDateIsACalendarDate)
}

func testDocument004CreatedDateIsACalendarDate(t *testing.T, h *harness) {
	t.Logf("document 004: %q", doc004CreatedDate)
	read := h.token("m-1", auth.ScopeSessionsRead)
	h.create("m-1", nil) // one session on t0's day, so the store is not empty
	for _, q := range []string{
		"2019-02-29", // a common year has no 29 February
		"2100-02-29", // nor has a century not divisible by 400
		"2019-04-31",
		"2019-00-10", "2019-13-01", "2019-01-00",
		"+2019-08-24", "-2019-08-24", "10000-01-01", "019-08-24",
		"%202019-08-24", "2019-08-24%20", "2019-08-24%09", "2019-08-24%00", "2019-08-24%0A",
		"%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%99-08-24", // full-width digits
		"%D9%A2%D9%A0%D9%A1%D9%A9-08-24",             // Arabic-Indic digits
		"2019-08-24T00:00:00Z", "2019-08-24Z", "2019-08-24%2B02:00", "2019/08/24", "2019-W34-6", "2019-236",
	} {
		res := h.do("GET", "/pps/api/v1/session-record?createdDate="+q, read, nil)
		if res.Code != http.StatusBadRequest {
			t.Errorf("createdDate=%s = %d %.80s; want 400", q, res.Code, res.Body)
			continue
		}
		if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation); p["field"] != "createdDate" {
			t.Errorf("createdDate=%s: field = %v; want createdDate", q, p["field"])
		}
	}
	for _, day := range []string{"2020-02-29", "2000-02-29", "2026-11-22", "2026-11-24", "2099-12-31", "9999-12-31", "0000-01-01", "1970-01-01"} {
		for _, extra := range []string{"", "&limit=1", "&limit=1000"} {
			path := "/pps/api/v1/session-record?createdDate=" + day + extra
			res := h.do("GET", path, read, nil)
			var recs []json.RawMessage
			if res.Code != http.StatusOK || json.Unmarshal(res.Body.Bytes(), &recs) != nil || recs == nil || len(recs) != 0 {
				t.Errorf("GET %s = %d %s; want 200 []", path, res.Code, res.Body)
			}
			if link := res.Header().Get("Link"); link != "" {
				t.Errorf("GET %s: Link %q; want none on a day with no records", path, link)
			}
			if ct := res.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("GET %s: Content-Type %q; want application/json", path, ct)
			}
		}
	}
}
