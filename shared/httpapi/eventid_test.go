package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestEventIDRememberedForTheSessionsLife: docs/design.md §2, "An eventId
// already applied is acknowledged with 200 and the session as it is, and
// not applied again", and §4, "an event already applied answers 200 with
// the session as it now is, even if the session has since closed or
// expired, for as long as the session exists". The memory of applied ids
// is the session's history, bounded by refusing (README, "History is
// bounded by refusing, not trimming"), so it never forgets one while the
// session exists: the first id is still known once the history is full;
// an event refused (HISTORY_FULL, INVALID_TRANSITION) is not remembered;
// the same id with another status is the first event; an id is per
// session (the same id on another session is applied there); a child's
// event is still acknowledged after its parent's cancel closed it.
func TestEventIDRememberedForTheSessionsLife(t *testing.T) {
	eachStore(t, testEventIDRememberedForTheSessionsLife)
}

func testEventIDRememberedForTheSessionsLife(t *testing.T, h *harness) {
	proc := h.processorToken()
	tok := h.merchantToken("m-1")
	post := func(id, status, eventID string) response {
		return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": status, "eventId": eventID})
	}
	history := func(r response) int { return len(r.json(t)["history"].([]any)) }

	id := h.create("m-1", nil)
	if r := post(id, "PROCESSING", "first"); r.Code != 200 {
		t.Fatalf("first event = %d %s", r.Code, r.Body)
	}
	// Fill the history with open moves until they are refused.
	var n int
	for i := 0; ; i++ {
		r := post(id, []string{"SENT", "PROCESSING"}[i%2], fmt.Sprintf("fill-%d", i))
		if r.Code == 409 {
			wantProblem(t, r, 409, session.ReasonHistoryFull)
			n = i
			break
		}
		if r.Code != 200 || i > 200 {
			t.Fatalf("fill-%d = %d %s", i, r.Code, r.Body)
		}
	}
	full := h.do("GET", "/sessions/"+id, tok, nil)
	entries := history(full)
	for _, tt := range []struct {
		name, status, eventID string
	}{
		{"the first id, its history full", "PROCESSING", "first"},
		{"the first id with another status", "AUTHORISED", "first"},
		{"the last id applied", []string{"SENT", "PROCESSING"}[(n-1)%2], fmt.Sprintf("fill-%d", n-1)},
	} {
		r := post(id, tt.status, tt.eventID)
		if r.Code != 200 || r.Body.String() != full.Body.String() {
			t.Errorf("%s = %d %s; want 200 and the session unchanged (%d entries)", tt.name, r.Code, r.Body, entries)
		}
	}
	// The refused event was not remembered: it is refused again, not
	// acknowledged.
	wantProblem(t, post(id, "SENT", fmt.Sprintf("fill-%d", n)), 409, session.ReasonHistoryFull)
	// A close still fits; its id is then known, and a refused move is not.
	if r := post(id, "AUTHORISED", "close"); r.Code != 200 || r.json(t)["status"] != "AUTHORISED" {
		t.Fatalf("close = %d %s", r.Code, r.Body)
	}
	wantProblem(t, post(id, "PROCESSING", "late-open"), 409, session.ReasonInvalidTransition)
	if r := post(id, "AUTHORISED", "close"); r.Code != 200 || history(r) != entries+1 {
		t.Errorf("close again = %d %s; want 200 with %d entries", r.Code, r.Body, entries+1)
	}
	if r := post(id, "PROCESSING", "first"); r.Code != 200 || r.json(t)["status"] != "AUTHORISED" {
		t.Errorf("first after the close = %d %s; want 200 AUTHORISED", r.Code, r.Body)
	}

	// An id is per session.
	other := h.create("m-1", nil)
	if r := post(other, "FAILED", "first"); r.Code != 200 || r.json(t)["status"] != "FAILED" {
		t.Errorf("the same id on another session = %d %s; want it applied there (FAILED)", r.Code, r.Body)
	}

	// A child's event retried after its parent's cancel closed the family,
	// and after both expired: acknowledged until the child's retention ends.
	parent := h.create("m-1", nil)
	child := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	if r := post(child, "REQUIRES_ACTION", "child-1"); r.Code != 200 {
		t.Fatalf("child event = %d %s", r.Code, r.Body)
	}
	if r := h.do("POST", "/sessions/"+parent+"/cancel", tok, nil); r.Code != 200 {
		t.Fatalf("parent cancel = %d %s", r.Code, r.Body)
	}
	for _, step := range []time.Duration{0, 10 * time.Minute} {
		h.clock.Advance(step)
		r := post(child, "REQUIRES_ACTION", "child-1")
		if r.Code != 200 || r.json(t)["status"] != "CANCELED" || history(r) != 3 {
			t.Errorf("child retry after %v = %d %s; want 200 CANCELED, 3 entries", step, r.Code, r.Body)
		}
	}
	h.clock.Advance(6 * time.Minute) // past the child's retention (15 min after its close)
	wantProblem(t, post(child, "REQUIRES_ACTION", "child-1"), 404, session.ReasonSessionNotFound)
}

// TestEmptyEventIDRefused: an eventId present but empty identifies nothing.
// It was read as no id, so a processor retrying {"status":"PROCESSING",
// "eventId":""} had it applied on every send (history 2, 3, 4) where it
// asked for the retry to be acknowledged, while an empty Idempotency-Key is
// 400. It is refused, naming eventId, and nothing is applied; an absent
// eventId and a null one are still an event without an id (applied each
// time: README, a null field is taken as absent), and " " is an id.
func TestEmptyEventIDRefused(t *testing.T) { eachStore(t, testEmptyEventIDRefused) }

func testEmptyEventIDRefused(t *testing.T, h *harness) {
	proc, tok := h.processorToken(), h.merchantToken("m-1")
	for _, tt := range []struct {
		name, body string
		refused    bool // 400 VALIDATION_FAILED naming eventId, else 200
		grows      int  // history entries the two sends add
	}{
		{"empty", `{"status":"PROCESSING","eventId":""}`, true, 0},
		{"absent", `{"status":"PROCESSING"}`, false, 2},
		{"null", `{"status":"PROCESSING","eventId":null}`, false, 2},
		{"a space", `{"status":"PROCESSING","eventId":" "}`, false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := h.create("m-1", nil)
			before := len(h.do("GET", "/sessions/"+id, tok, nil).json(t)["history"].([]any))
			for send := 1; send <= 2; send++ {
				r := h.do("POST", "/sessions/"+id+"/events", proc, tt.body)
				if !tt.refused {
					if r.Code != 200 {
						t.Fatalf("send %d = %d %s; want 200", send, r.Code, r.Body)
					}
					continue
				}
				if r.Code != 400 {
					t.Errorf("send %d = %d %s; want 400", send, r.Code, r.Body)
					continue
				}
				if p := wantProblem(t, r, 400, session.ReasonValidation); p["field"] != "eventId" {
					t.Errorf("send %d: field = %v; want eventId", send, p["field"])
				}
			}
			got := len(h.do("GET", "/sessions/"+id, tok, nil).json(t)["history"].([]any)) - before
			if got != tt.grows {
				t.Errorf("history grew by %d after two sends; want %d", got, tt.grows)
			}
		})
	}
}
