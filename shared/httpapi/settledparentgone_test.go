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
	parent, child, parentEnd := childKeptBeyondItsParent(t, h, "SETTLED", 5*time.Minute)
	h.clock.Set(parentEnd.Add(time.Second))
	if res := h.do("GET", "/sessions/"+parent, h.merchantToken("m-1"), nil); res.Code != 404 {
		t.Fatalf("GET parent past its retention = %d; want 404", res.Code)
	}
	for _, tt := range []struct{ status, eventID string }{
		{"AUTHORISED", "c2"}, // the child's cancellation declined
		{"SETTLED", "c3"},
	} {
		wantProblem(t, processorEvent(h, child, tt.status, tt.eventID), 409, session.ReasonParentClosed)
	}
	if res := processorEvent(h, child, "CANCELED", "c4"); res.Code != 200 {
		t.Errorf("child CANCELED once its parent is gone = %d %s; want 200", res.Code, res.Body)
	}
}
