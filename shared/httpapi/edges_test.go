package httpapi_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// TestEndpointsAgreeAtTheEdges: docs/design.md §4, "Times are exact to 100
// ns and every endpoint reads them with the same rules, so no two endpoints
// disagree about a session". A session
// created at a fraction of a second is read through every endpoint (native,
// 000, 001, 002, 003, 004 record and 004 list) at instants around
// expiresAt, expiresAt − WRITE_GUARD, the end of retention of an open
// session and retainUntil of a closed one: 1 s, 1 ms and 100 ns either
// side, and exactly. Each answers as the rules say at that instant, all
// alike: open before expiresAt, EXPIRED from it (closedAt = expiresAt),
// 404 from the end of retention.
func TestEndpointsAgreeAtTheEdges(t *testing.T) { eachStore(t, testEndpointsAgreeAtTheEdges) }

func testEndpointsAgreeAtTheEdges(t *testing.T, h *harness) {
	d := newDialectReader(h, "m-1")
	created := t0.Add(700*time.Millisecond + 300*time.Nanosecond)
	h.clock.Set(created)
	open := h.create("m-1", nil)
	closed := h.create("m-1", nil)
	closedAt := created.Add(time.Minute + 400*time.Millisecond + 100*time.Nanosecond)
	h.clock.Set(closedAt)
	if res := h.do("POST", "/sessions/"+closed+"/events", h.processorToken(), map[string]any{"status": "FAILED"}); res.Code != 200 {
		t.Fatalf("FAILED = %d %s", res.Code, res.Body)
	}
	p := session.DefaultPolicy
	expiresAt := created.Add(p.Expiry)
	// want is the rules of §4 at now: the status, closedAt, or "" for 404.
	wantOpen := func(now time.Time) (session.Status, time.Time) {
		switch {
		case now.Before(expiresAt):
			return session.Created, time.Time{}
		case now.Before(expiresAt.Add(p.Retention)):
			return session.Expired, expiresAt
		}
		return "", time.Time{}
	}
	wantClosed := func(now time.Time) (session.Status, time.Time) {
		if now.Before(closedAt.Add(p.Retention)) {
			return session.Failed, closedAt
		}
		return "", time.Time{}
	}
	edges := []struct {
		name string
		at   time.Time
	}{
		{"expiresAt - WRITE_GUARD", expiresAt.Add(-p.WriteGuard)},
		{"expiresAt", expiresAt},
		{"expiresAt + WRITE_GUARD", expiresAt.Add(p.WriteGuard)},
		{"expiresAt + RESULT_RETENTION", expiresAt.Add(p.Retention)},
		{"retainUntil", closedAt.Add(p.Retention)},
	}
	for _, e := range edges {
		for _, delta := range []time.Duration{-time.Second, -time.Millisecond, -100, 0, 100, time.Millisecond, time.Second} {
			now := e.at.Add(delta)
			t.Run(fmt.Sprintf("%s%+v", e.name, delta), func(t *testing.T) {
				h.clock.Set(now)
				for _, s := range []struct {
					id   string
					want func(time.Time) (session.Status, time.Time)
				}{{open, wantOpen}, {closed, wantClosed}} {
					st, at := s.want(now)
					agreeAt(t, d, s.id, st, at)
				}
			})
		}
	}
}

// agreeAt checks every endpoint's answer for session id: want (closed at
// closedAt when closed), or 404 everywhere when want is "".
func agreeAt(t *testing.T, d *dialectReader, id string, want session.Status, closedAt time.Time) {
	t.Helper()
	rs := d.all(id)
	var list []map[string]any
	if err := json.Unmarshal(rs["list"].Body.Bytes(), &list); err != nil || rs["list"].Code != 200 {
		t.Fatalf("list = %d %s", rs["list"].Code, rs["list"].Body)
	}
	var listed map[string]any
	for _, r := range list {
		if r["session_id"] == id {
			listed = r
		}
	}
	if want == "" {
		for name, res := range rs {
			switch name {
			case "list":
				if listed != nil {
					t.Errorf("%s: listed %v; want it gone", id, listed)
				}
			case "001":
				if res.Code != 404 {
					t.Errorf("%s: 001 = %d; want 404", id, res.Code)
				}
			default:
				wantProblem(t, res, 404, session.ReasonSessionNotFound)
			}
		}
		return
	}
	w, _ := statemap.Of(want)
	native := rs["native"].json(t)
	if native["status"] != string(want) {
		t.Errorf("%s: native status = %v; want %s", id, native["status"], want)
	}
	if c, _ := native["closedAt"].(string); (c == "") != closedAt.IsZero() || c != "" && !ts(t, c).Equal(closedAt) {
		t.Errorf("%s: native closedAt = %q; want %v", id, c, closedAt)
	}
	if got := rs["000"].json(t)["sessionState"]; got != w.V1Session {
		t.Errorf("%s: 000 sessionState = %v; want %s", id, got, w.V1Session)
	}
	if got := rs["001"].json(t)["data"].(map[string]any)["status"]; got != w.PaymentStatus {
		t.Errorf("%s: 001 status = %v; want %s", id, got, w.PaymentStatus)
	}
	if got := rs["002"].json(t)["status"]; got != w.PaymentSession {
		t.Errorf("%s: 002 status = %v; want %s", id, got, w.PaymentSession)
	}
	if word, err := statemap.Checkout(want); err != nil {
		wantProblem(t, rs["003"], httpapi.StatusOf(err), session.ErrorReason(err))
	} else if got := rs["003"].json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)["checkoutSessionStatus"]; got != word {
		t.Errorf("%s: 003 = %v; want %s", id, got, word)
	}
	if got := rs["004"].json(t)["session_status"]; got != w.SessionRecord {
		t.Errorf("%s: 004 = %v; want %s", id, got, w.SessionRecord)
	}
	if listed == nil || listed["session_status"] != w.SessionRecord {
		t.Errorf("%s: listed %v; want %s", id, listed, w.SessionRecord)
	}
}
