package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestChildTakesNoMoneyOnceItsCanceledParentIsGone: README, child
// sessions: a child already AUTHORISED "may still settle while the parent
// shows that money (AUTHORISED or SETTLED), never once the parent is
// CANCELED, ... nor once it is gone", "so money is never taken twice or
// under a canceled parent". r95-lifecycle's reproduction, on both stores:
// the child's money, then the parent's processor cancels the parent, then
// the child's merchant asks to cancel the child, which keeps the child
// beyond its parent's retention. Once the parent was gone, the child's
// declined cancellation and its settlement, refused with 409
// PARENT_CLOSED the moment before, were applied (200, the child SETTLED).
func TestChildTakesNoMoneyOnceItsCanceledParentIsGone(t *testing.T) {
	eachStore(t, testChildTakesNoMoneyOnceItsCanceledParentIsGone)
}

func testChildTakesNoMoneyOnceItsCanceledParentIsGone(t *testing.T, h *harness) {
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	parent := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	child := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
	event := func(id, status, eventID string) response {
		return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": status, "eventId": eventID})
	}
	if res := event(child, "AUTHORISED", "k1"); res.Code != 200 {
		t.Fatalf("child AUTHORISED = %d %s; want 200", res.Code, res.Body)
	}
	h.clock.Advance(time.Minute)
	if res := event(parent, "CANCELED", "p1"); res.Code != 200 {
		t.Fatalf("parent CANCELED by its processor = %d %s; want 200", res.Code, res.Body)
	}
	wantProblem(t, event(child, "SETTLED", "k3"), 409, session.ReasonParentClosed)
	h.clock.Advance(5 * time.Minute)
	if res := h.do("POST", "/sessions/"+child+"/cancel", merchant, nil); res.Code != 200 {
		t.Fatalf("the merchant's cancel of the child = %d %s; want 200", res.Code, res.Body)
	}
	// The parent's retention ends 15 minutes after its cancel; the
	// child's, 15 minutes after its cancel request.
	h.clock.Advance(10*time.Minute + time.Second)
	if res := h.do("GET", "/sessions/"+parent, merchant, nil); res.Code != 404 {
		t.Fatalf("GET parent past its retention = %d; want 404", res.Code)
	}
	wantProblem(t, event(child, "AUTHORISED", "k2a"), 409, session.ReasonParentClosed)
	res := h.do("GET", "/sessions/"+child, merchant, nil)
	if got := res.json(t)["status"]; res.Code != 200 || got != "CANCEL_REQUESTED" {
		t.Errorf("GET child = %d, status %v; want 200, CANCEL_REQUESTED", res.Code, got)
	}
}
