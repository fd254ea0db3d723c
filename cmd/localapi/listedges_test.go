package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/apitarget"
)

// TestDayListEdgesAnswerAsOnAWS sends document 004's list, on the local
// server and on make start-api's stack, the query values and
// Accept-Encoding forms at the edges of what docs/design.md §6 allows, and
// wants the same answer from both: "with limit (1..1000) the answer is one
// page"; "A missing or malformed createdDate, limit or cursor is 400"
// (naming the parameter); "the body is gzipped when the client sends
// Accept-Encoding: gzip" (q-values honoured: README, gzip). A number is
// malformed unless written as the integer itself (01, +1, 1e3, 1.0 are
// not), a date unless it is a calendar date as yyyy-MM-dd in ASCII digits;
// a cursor altered, cut short, of another day or of another merchant is
// refused, one page's cursor serves any limit, and the Link of a page
// keeps the page's createdDate and limit.
func TestDayListEdgesAnswerAsOnAWS(t *testing.T) {
	diff := apitarget.NewDiff()
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		other := mint(t, tg.URL, "merchant_id=m-2")
		// Three sessions of one UTC day: a create that lands after midnight
		// starts the count again on the new day.
		var day string
		for n := 0; n < 3; {
			code, s := client{t, tg.URL, tok}.call("POST", "/sessions", `{"amount":1,"currency":"EUR"}`)
			if code != 201 {
				t.Fatalf("create = %d %v", code, s)
			}
			created, err := time.Parse(time.RFC3339Nano, s["createdAt"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if d := created.UTC().Format(time.DateOnly); d != day {
				day, n = d, 0
			}
			n++
		}
		list := "/pps/api/v1/session-record?createdDate=" + day
		get := func(name, query, token string, hdr ...string) (*http.Response, []byte) {
			req, err := http.NewRequest("GET", tg.URL+query, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept-Encoding", "identity")
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			return roundTrip(t, name, req)
		}
		res, body := get("first page", list+"&limit=1", tok)
		link := regexp.MustCompile(`^</pps/api/v1/session-record\?createdDate=` + day + `&limit=1&cursor=([A-Za-z0-9_-]+)>; rel="next"$`).FindStringSubmatch(res.Header.Get("Link"))
		if res.StatusCode != 200 || link == nil {
			t.Fatalf("first page = %d %s, Link %q; want 200 and a Link keeping createdDate and limit", res.StatusCode, body, res.Header.Get("Link"))
		}
		cursor := link[1]
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			t.Fatal(err)
		}
		otherDay := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), day, "2001-01-01", -1)))
		d, _ := time.Parse(time.DateOnly, day)
		dayBefore := d.AddDate(0, 0, -1).Format(time.DateOnly)
		type row struct {
			name, query string
			status      int
			field       string // the 400's field
			records     int    // a 200's records, -1 for any
		}
		rows := []row{
			{"limit 1", list + "&limit=1", 200, "", 1},
			{"limit 1000", list + "&limit=1000", 200, "", 3},
			{"limit 0", list + "&limit=0", 400, "limit", 0},
			{"limit -1", list + "&limit=-1", 400, "limit", 0},
			{"limit 1001", list + "&limit=1001", 400, "limit", 0},
			{"limit 01", list + "&limit=01", 400, "limit", 0},
			{"limit +1", list + "&limit=%2B1", 400, "limit", 0},
			{"limit + as a space", list + "&limit=+1", 400, "limit", 0},
			{"limit 1e3", list + "&limit=1e3", 400, "limit", 0},
			{"limit 1.0", list + "&limit=1.0", 400, "limit", 0},
			{"limit empty", list + "&limit=", 400, "limit", 0},
			{"limit without =", list + "&limit", 400, "limit", 0},
			{"limit twice", list + "&limit=1&limit=1", 400, "limit", 0},
			{"limit 2^63", list + "&limit=9223372036854775808", 400, "limit", 0},
			{"limit fullwidth 1", list + "&limit=%EF%BC%91", 400, "limit", 0},
			{"limit percent-encoded 1", list + "&limit=%31", 200, "", 1},
			{"createdDate missing", "/pps/api/v1/session-record", 400, "createdDate", 0},
			{"createdDate empty", "/pps/api/v1/session-record?createdDate=", 400, "createdDate", 0},
			{"createdDate 2026-02-29", "/pps/api/v1/session-record?createdDate=2026-02-29", 400, "createdDate", 0},
			{"createdDate 2028-02-29", "/pps/api/v1/session-record?createdDate=2028-02-29", 200, "", 0},
			{"createdDate 2026-13-01", "/pps/api/v1/session-record?createdDate=2026-13-01", 400, "createdDate", 0},
			{"createdDate 2026-1-1", "/pps/api/v1/session-record?createdDate=2026-1-1", 400, "createdDate", 0},
			{"createdDate +002026", "/pps/api/v1/session-record?createdDate=%2B002026-11-30", 400, "createdDate", 0},
			{"createdDate with a leading space", "/pps/api/v1/session-record?createdDate=%20" + day, 400, "createdDate", 0},
			{"createdDate with a trailing +", "/pps/api/v1/session-record?createdDate=" + day + "+", 400, "createdDate", 0},
			{"createdDate in fullwidth digits", "/pps/api/v1/session-record?createdDate=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-11-30", 400, "createdDate", 0},
			{"createdDate as a timestamp", "/pps/api/v1/session-record?createdDate=" + day + "T00:00:00Z", 400, "createdDate", 0},
			{"createdDate twice", list + "&createdDate=" + day, 400, "createdDate", 0},
			{"createdDate year 0001", "/pps/api/v1/session-record?createdDate=0001-01-01", 200, "", 0},
			{"createdDate year 9999", "/pps/api/v1/session-record?createdDate=9999-12-31", 200, "", 0},
			{"cursor of the page, another limit", list + "&limit=5&cursor=" + cursor, 200, "", 2},
			{"cursor of the page, no limit", list + "&cursor=" + cursor, 200, "", 2},
			{"cursor cut short", list + "&limit=1&cursor=" + cursor[:len(cursor)-4], 400, "cursor", 0},
			{"cursor with a character changed", list + "&limit=1&cursor=" + flip(cursor, 10), 400, "cursor", 0},
			{"cursor with a character appended", list + "&limit=1&cursor=" + cursor + "A", 400, "cursor", 0},
			{"cursor padded", list + "&limit=1&cursor=" + cursor + "%3D%3D", 400, "cursor", 0},
			{"cursor of another day", list + "&limit=1&cursor=" + otherDay, 400, "cursor", 0},
			{"cursor on another day's list", "/pps/api/v1/session-record?createdDate=" + dayBefore + "&limit=1&cursor=" + cursor, 400, "cursor", 0},
			{"cursor empty", list + "&limit=1&cursor=", 400, "cursor", 0},
			{"cursor of NUL bytes", list + "&limit=1&cursor=%00%00", 400, "cursor", 0},
			{"cursor of 8 KB", list + "&limit=1&cursor=" + strings.Repeat("A", 8<<10), 400, "cursor", 0},
		}
		for _, r := range rows {
			res, body := get(r.name, r.query, tok)
			check(t, diff, k, r.name, res, body, r.status, r.field, r.records)
		}
		// Another merchant's cursor, presented by m-2: refused.
		res, body = get("cursor of another merchant", list+"&limit=1&cursor="+cursor, other)
		check(t, diff, k, "cursor of another merchant", res, body, 400, "cursor", 0)

		for _, e := range []struct {
			accept string
			gzip   bool
		}{
			{"gzip", true}, {"GZIP", true}, {"x-gzip", true}, {"*", true}, {"gzip;q=0.001", true},
			{"identity", false}, {"gzip;q=0", false}, {"gzip;Q=0", false}, {"*;q=0", false}, {"br", false},
			{"gzip;q=0.5, identity", false}, {"gzip, identity;q=0.5", true}, {"*, gzip;q=0", false},
			{"gzip;q=1.5", false}, {"gzip;q=", false}, {"", false}, {"gzip;q=0.5, identity;q=0.5", true},
		} {
			name := "Accept-Encoding " + e.accept
			res, body := get(name, list, tok, "Accept-Encoding", e.accept)
			if res.StatusCode != 200 || (res.Header.Get("Content-Encoding") == "gzip") != e.gzip || res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s: %d Content-Encoding %q Vary %q; want 200, gzip %v, Vary: Accept-Encoding", name, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"), e.gzip)
			}
			if !e.gzip {
				check(t, nil, k, name, res, body, 200, "", 3)
			}
		}
	})
	diff.Check(t)
}

// flip changes the cursor's character at i to another of base64url's.
func flip(cursor string, i int) string {
	c := byte('A')
	if cursor[i] == 'A' {
		c = 'B'
	}
	return cursor[:i] + string(c) + cursor[i+1:]
}

// check wants a 200 with records (any number when -1) or a 400 naming
// field; a 400 is also recorded in diff (the 200s hold each target's own
// sessions).
func check(t *testing.T, diff *apitarget.Diff, k apitarget.Kind, name string, res *http.Response, body []byte, status int, field string, records int) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: %d %s; want %d", name, res.StatusCode, body, status)
		return
	}
	if status != 200 {
		var p map[string]any
		if err := json.Unmarshal(body, &p); err != nil || p["field"] != field || p["code"] != "VALIDATION_FAILED" {
			t.Errorf("%s: %s; want VALIDATION_FAILED naming %s", name, body, field)
		}
		diff.Add(k, name, res.StatusCode, res.Header, body)
		return
	}
	var recs []any
	if err := json.Unmarshal(body, &recs); err != nil || (records >= 0 && len(recs) != records) {
		t.Errorf("%s: %d records (%v) %.200s; want %d", name, len(recs), err, body, records)
	}
}
