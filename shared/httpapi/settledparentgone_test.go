package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestChildOfAParentSettledByItsProcessorOnceTheParentIsGone: README,
// child sessions: "a SETTLED sent to a parent that shows its child's
// AUTHORISED is applied (200: the parent reads SETTLED by its processor,
// the child stays AUTHORISED and may still settle while the parent is
// there; a child kept beyond it, by its merchant's cancel request after
// the parent's SETTLED, takes no money once the parent is gone: its
// declined cancellation and its SETTLED are 409 PARENT_CLOSED, and it can
// then only be canceled". They were 200 before r95-lifecycle's change
// (cabfa75); both stores agree, and r95-review measured the same on both
// local servers.
func TestChildOfAParentSettledByItsProcessorOnceTheParentIsGone(t *testing.T) {
	eachStore(t, testChildOfAParentSettledByItsProcessorOnceTheParentIsGone)
}

func testChildOfAParentSettledByItsProcessorOnceTheParentIsGone(t *testing.T, h *harness) {
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	parent := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	child := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
	event := func(id, status, eventID string) response {
		return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": status, "eventId": eventID})
	}
	if res := event(child, "AUTHORISED", "c1"); res.Code != 200 {
		t.Fatalf("child AUTHORISED = %d %s; want 200", res.Code, res.Body)
	}
	h.clock.Advance(time.Minute)
	if res := event(parent, "SETTLED", "p1"); res.Code != 200 {
		t.Fatalf("parent SETTLED by its processor = %d %s; want 200", res.Code, res.Body)
	}
	h.clock.Advance(5 * time.Minute)
	if res := h.do("POST", "/sessions/"+child+"/cancel", merchant, nil); res.Code != 200 {
		t.Fatalf("the merchant's cancel of the child = %d %s; want 200", res.Code, res.Body)
	}
	// The parent's retention ends 15 minutes after its SETTLED; the
	// child's, 15 minutes after its cancel request.
	h.clock.Advance(10*time.Minute + time.Second)
	if res := h.do("GET", "/sessions/"+parent, merchant, nil); res.Code != 404 {
		t.Fatalf("GET parent past its retention = %d; want 404", res.Code)
	}
	for _, tt := range []struct{ status, eventID string }{
		{"AUTHORISED", "c2"}, // the child's cancellation declined
		{"SETTLED", "c3"},
	} {
		wantProblem(t, event(child, tt.status, tt.eventID), 409, session.ReasonParentClosed)
	}
	if res := event(child, "CANCELED", "c4"); res.Code != 200 {
		t.Errorf("child CANCELED once its parent is gone = %d %s; want 200", res.Code, res.Body)
	}
}
