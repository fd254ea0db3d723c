package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// decodeRecords reads a list's (decompressed) body.
func decodeRecords(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	if err := json.Unmarshal(body, &recs); err != nil {
		t.Fatalf("body %q is not a JSON array: %v", body, err)
	}
	return recs
}

// walk follows a list's Links from path and returns every page's records,
// session id to session_status, in order; between pages it calls between
// with the number of pages read so far.
func walk(t *testing.T, h *harness, path, tok string, between func(pages int)) (ids, statuses []string) {
	t.Helper()
	for next, pages := path, 0; next != ""; pages++ {
		if pages > 100 {
			t.Fatalf("more than 100 pages from %s", path)
		}
		if pages > 0 && between != nil {
			between(pages)
		}
		_, res, body := listAll(t, h, next, tok)
		if res.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", next, res.Code, body)
		}
		for _, rec := range decodeRecords(t, body) {
			ids = append(ids, rec["session_id"].(string))
			statuses = append(statuses, rec["session_status"].(string))
		}
		link := res.Header().Get("Link")
		if link != "" && (!strings.HasPrefix(link, "</pps/api/v1/session-record?") || !strings.HasSuffix(link, `>; rel="next"`)) {
			t.Fatalf("Link = %q; want </pps/api/v1/session-record?…>; rel=\"next\"", link)
		}
		next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	}
	return ids, statuses
}

// TestListDayBoundaries: the list answers "all the caller's sessions created
// on `createdDate` (a UTC day)" (docs/design.md §6): a session created at the
// day's first instant (00:00:00.0000000) and at its last one the store
// keeps (23:59:59.9999999, 23:59:59.999 as document 004's created_date
// shows it) belong to the day; one 100 ns before or after belongs to the
// day before or after. Whole day and page by page alike, oldest first.
func TestListDayBoundaries(t *testing.T) {
	t.Logf("document 004: %q", doc004List)
	// Long enough lives that every session is still readable at the clock.
	policy := session.Policy{Expiry: 24 * time.Hour, Retention: 24 * time.Hour, WriteGuard: session.DefaultPolicy.WriteGuard}
	h := newHarnessPolicy(t, store.ClientOptions{}, policy)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	at := map[string]time.Time{
		"day before, last instant":  day.Add(-100 * time.Nanosecond),
		"first instant":             day,
		"first instant + 100 ns":    day.Add(100 * time.Nanosecond),
		"noon":                      day.Add(12 * time.Hour),
		"23:59:59.999":              day.Add(24*time.Hour - time.Millisecond),
		"last instant (nanosecond)": day.Add(24*time.Hour - time.Nanosecond),
		"day after, first instant":  day.Add(24 * time.Hour),
	}
	ids := map[string]string{}
	var vs []*session.Session
	for name, created := range at {
		v := session.New(&session.Draft{Amount: new(int64), Currency: "EUR"}, "m-1", uuid.NewString(), "h", created, policy)
		ids[name] = v.ID
		vs = append(vs, v)
	}
	if err := h.st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(day.Add(25 * time.Hour))
	tok := h.token("m-1", auth.ScopeSessionsRead)
	want := map[string][]string{
		"2026-11-22": {ids["day before, last instant"]},
		"2026-11-23": {ids["first instant"], ids["first instant + 100 ns"], ids["noon"], ids["23:59:59.999"], ids["last instant (nanosecond)"]},
		"2026-11-24": {ids["day after, first instant"]},
	}
	for date, w := range want {
		path := "/pps/api/v1/session-record?createdDate=" + date
		got, res, _ := listAll(t, h, path, tok)
		if res.Code != http.StatusOK || !slices.Equal(got, w) {
			t.Errorf("GET %s = %d %v; want 200 %v", path, res.Code, got, w)
		}
		if got, _ := walk(t, h, path+"&limit=1", tok, nil); !slices.Equal(got, w) {
			t.Errorf("%s page by page = %v; want %v", path, got, w)
		}
	}
	_, res, body := listAll(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23", tok)
	recs := decodeRecords(t, body)
	if res.Code != http.StatusOK || len(recs) != 5 {
		t.Fatalf("day = %d %s", res.Code, body)
	}
	if first, last := recs[0]["created_date"], recs[4]["created_date"]; first != "2026-11-23T00:00:00.000Z" || last != "2026-11-23T23:59:59.999Z" {
		t.Errorf("created_date of the first and last = %v, %v; want 2026-11-23T00:00:00.000Z, 2026-11-23T23:59:59.999Z", first, last)
	}
}

// TestListWalkWhileSessionsChange: a client following the Links of a day
// whose sessions keep changing status (processing, authorised, canceled by
// the merchant, failed) sees every session exactly once, in creation order
// — no duplicate, no gap — each as it is when its page is read; sessions
// created during the walk come on later pages. The cursor is a position in
// creation order, which a status change does not move.
func TestListWalkWhileSessionsChange(t *testing.T) {
	t.Logf("document 004: %q", doc004List)
	h := newHarness(t)
	const n = 40
	var vs []*session.Session
	var want []string
	for i := range n {
		v := session.New(&session.Draft{Amount: new(int64), Currency: "EUR"}, "m-1", uuid.NewString(), "h", t0.Add(time.Duration(i)*time.Millisecond), session.DefaultPolicy)
		vs, want = append(vs, v), append(want, v.ID)
	}
	if err := h.st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	h.clock.Set(t0.Add(time.Second))
	tok := h.token("m-1", auth.ScopeSessionsRead)
	const limit = 6
	changed := map[string]string{} // id: its 004 status after the change
	got, statuses := walk(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23&limit=6", tok, func(pages int) {
		h.clock.Advance(time.Millisecond)
		read := pages * limit
		// One already listed, and three ahead of the cursor.
		h.event(want[read-1], map[string]any{"status": "PROCESSING"})
		if read < n {
			h.event(want[read], map[string]any{"status": "AUTHORISED"})
			changed[want[read]] = "COMPLETED"
		}
		if read+1 < n {
			h.cancel("m-1", want[read+1])
			changed[want[read+1]] = "CANCELED"
		}
		if read+2 < n {
			h.event(want[read+2], map[string]any{"status": "FAILED"})
			changed[want[read+2]] = "ERROR"
		}
		if pages <= 2 {
			want = append(want, h.create("m-1", map[string]any{"amount": 1, "currency": "EUR"}))
		}
	})
	if !slices.Equal(got, want) {
		t.Fatalf("walked %d sessions %v;\nwant each of the %d exactly once, in creation order %v", len(got), got, len(want), want)
	}
	for i, id := range got {
		if w, ok := changed[id]; ok && statuses[i] != w {
			t.Errorf("session %d (%s) listed as %s; want %s: it changed before its page was read", i, id, statuses[i], w)
		}
	}
}

// TestListWalkAcrossMidnight: document 004 lists "the records" created on
// `createdDate`, "A date, formatted as yyyy-MM-dd" (a UTC day, docs/design.md
// §6). A client walking a day's pages while the clock turns midnight, and
// sessions are created and changed on both sides of it, sees that day's
// sessions exactly once each in creation order, the one created at the
// day's last instant the store keeps (23:59:59.9999999, during the walk)
// included, and none of the next day's; each session's list-index partition
// and sort key name the day its created_date shows, so the next day's list
// holds the others.
func TestListWalkAcrossMidnight(t *testing.T) {
	t.Logf("document 004: %q; %q", doc004List, "A date, formatted as yyyy-MM-dd")
	h := newHarness(t)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	midnight := day.Add(24 * time.Hour)
	body := map[string]any{"amount": 1, "currency": "EUR"}
	var today, tomorrow []string
	for i := range 7 {
		h.clock.Set(midnight.Add(-time.Second + time.Duration(i)*time.Millisecond))
		today = append(today, h.create("m-1", body))
	}
	tok := h.token("m-1", auth.ScopeSessionsRead)
	got, _ := walk(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23&limit=3", tok, func(pages int) {
		switch pages {
		case 1: // the day's last instant the store keeps, ahead of the cursor
			h.clock.Set(midnight.Add(-time.Nanosecond))
			today = append(today, h.create("m-1", body))
		case 2: // midnight itself, and a change to one of the day's sessions
			h.clock.Set(midnight)
			tomorrow = append(tomorrow, h.create("m-1", body))
			h.event(today[6], map[string]any{"status": "PROCESSING"})
		default:
			h.clock.Advance(time.Millisecond)
			tomorrow = append(tomorrow, h.create("m-1", body))
			h.cancel("m-1", today[len(today)-1])
		}
	})
	if !slices.Equal(got, today) {
		t.Fatalf("walk of 2026-11-23 across midnight = %v;\nwant each of its %d sessions exactly once, in creation order: %v", got, len(today), today)
	}
	if got, _ := walk(t, h, "/pps/api/v1/session-record?createdDate=2026-11-24&limit=1", tok, nil); !slices.Equal(got, tomorrow) {
		t.Errorf("walk of 2026-11-24 = %v; want %v", got, tomorrow)
	}
	_, res, raw := listAll(t, h, "/pps/api/v1/session-record?createdDate=2026-11-23", tok)
	recs := decodeRecords(t, raw)
	if res.Code != http.StatusOK || len(recs) != len(today) {
		t.Fatalf("GET 2026-11-23 = %d %s; want %d records", res.Code, raw, len(today))
	}
	if last := recs[len(recs)-1]["created_date"]; last != "2026-11-23T23:59:59.999Z" {
		t.Errorf("created_date of the day's last = %v; want 2026-11-23T23:59:59.999Z", last)
	}

	// Where each session is stored in the list index: its day's partition.
	out, err := h.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	dayOf := map[string]string{}
	for _, id := range today {
		dayOf[id] = "2026-11-23"
	}
	for _, id := range tomorrow {
		dayOf[id] = "2026-11-24"
	}
	seen := 0
	for _, it := range out.Items {
		id, _ := it["id"].(*ddb.AttributeValueMemberS)
		if id == nil || dayOf[id.Value] == "" {
			continue
		}
		seen++
		part, _ := it["merchantDayShard"].(*ddb.AttributeValueMemberS)
		sort, _ := it["createdKey"].(*ddb.AttributeValueMemberS)
		if d := dayOf[id.Value]; part == nil || sort == nil || !strings.HasPrefix(part.Value, "m-1#"+d+"#") || !strings.HasPrefix(sort.Value, d+"T") {
			t.Errorf("session %s of %s: list partition %v, sort key %v; want m-1#%s#<shard>, %sT…", id.Value, d, part, sort, d, d)
		}
	}
	if seen != len(dayOf) {
		t.Errorf("found %d of the %d sessions in the table", seen, len(dayOf))
	}
}
