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
	parent, child, parentEnd := childKeptBeyondItsParent(t, h, "CANCELED", 5*time.Minute)
	// The parent there, CANCELED: refused; gone: refused alike (the same
	// eventId was 200 then).
	h.clock.Set(parentEnd.Add(-time.Minute))
	wantProblem(t, processorEvent(h, child, "AUTHORISED", "k2a"), 409, session.ReasonParentClosed)
	h.clock.Set(parentEnd.Add(time.Second))
	merchant := h.merchantToken("m-1")
	if res := h.do("GET", "/sessions/"+parent, merchant, nil); res.Code != 404 {
		t.Fatalf("GET parent past its retention = %d; want 404", res.Code)
	}
	wantProblem(t, processorEvent(h, child, "AUTHORISED", "k2a"), 409, session.ReasonParentClosed)
	res := h.do("GET", "/sessions/"+child, merchant, nil)
	if got := res.json(t)["status"]; res.Code != 200 || got != "CANCEL_REQUESTED" {
		t.Errorf("GET child = %d, status %v; want 200, CANCEL_REQUESTED", res.Code, got)
	}
}

// childKeptBeyondItsParent makes a family of merchant m-1 whose child
// outlives its parent: the child's money (AUTHORISED), a minute later the
// parent's own processor's parentStatus (the parent's retention then runs
// from that change), and gap later the merchant's cancel request of the
// child (the child's from this one). It returns the two ids and the
// parent's retainUntil.
func childKeptBeyondItsParent(t *testing.T, h *harness, parentStatus string, gap time.Duration) (parent, child string, parentEnd time.Time) {
	t.Helper()
	parent = h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	child = h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
	if res := processorEvent(h, child, "AUTHORISED", "c1"); res.Code != 200 {
		t.Fatalf("child AUTHORISED = %d %s; want 200", res.Code, res.Body)
	}
	h.clock.Advance(time.Minute)
	res := processorEvent(h, parent, parentStatus, "p1")
	if res.Code != 200 {
		t.Fatalf("parent %s by its processor = %d %s; want 200", parentStatus, res.Code, res.Body)
	}
	parentEnd, err := time.Parse(time.RFC3339Nano, res.json(t)["retainUntil"].(string))
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(gap)
	if res := h.do("POST", "/sessions/"+child+"/cancel", h.merchantToken("m-1"), nil); res.Code != 200 {
		t.Fatalf("the merchant's cancel of the child = %d %s; want 200", res.Code, res.Body)
	}
	return parent, child, parentEnd
}

// processorEvent sends the processor's event of status, eventID, to
// session id.
func processorEvent(h *harness, id, status, eventID string) response {
	return h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": status, "eventId": eventID})
}

// TestChildTakesNoMoneyInItsParentsLastBand: docs/design.md §4, "writes
// are refused during a guard band (WRITE_GUARD, default 5 s) before
// expiresAt and before retainUntil; write conditions are built with the
// clock plus the band", and a child "may still settle while the parent
// shows that money ..., never ... nor once the parent is gone (past its
// retention, whether or not TTL has deleted it". A child's money is checked against its parent
// in the child's write: decided within the band before the parent's
// retainUntil, it may land once the parent is gone and read as such (404).
// r95-family's sequence, on both stores: the child's money, the parent's
// own processor's SETTLED a minute later (its retention now ends after
// the child's), the merchant's cancel of the child a minute after that
// (the child's now ends after the parent's), then the child's
// cancellation declined (AUTHORISED) at an instant around the parent's
// retainUntil. Inside the band it was applied (200), as a creation
// naming that parent is refused there (Adopt judges the parent at the
// clock plus the band).
func TestChildTakesNoMoneyInItsParentsLastBand(t *testing.T) {
	eachStore(t, testChildTakesNoMoneyInItsParentsLastBand)
}

func testChildTakesNoMoneyInItsParentsLastBand(t *testing.T, h *harness) {
	merchant := h.merchantToken("m-1")
	guard := session.DefaultPolicy.WriteGuard
	for _, tc := range []struct {
		name string
		at   time.Duration // from the parent's retainUntil
		want int
	}{
		{"before the band", -guard - time.Millisecond, 200},
		{"the band's start", -guard, 409},
		{"in the band", -guard / 2, 409},
		{"the band's last instant", -100 * time.Nanosecond, 409},
		{"the parent gone", 0, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.clock.Set(t0)
			_, child, retainUntil := childKeptBeyondItsParent(t, h, "SETTLED", time.Minute)
			h.clock.Set(retainUntil.Add(tc.at))
			res := processorEvent(h, child, "AUTHORISED", "k1")
			if res.Code != tc.want {
				t.Fatalf("child AUTHORISED at the parent's retainUntil%+v = %d %s; want %d", tc.at, res.Code, res.Body, tc.want)
			}
			if tc.want != 200 {
				wantProblem(t, res, 409, session.ReasonParentClosed)
				// The same eventId once the parent is gone: the same answer.
				h.clock.Set(retainUntil.Add(time.Second))
				wantProblem(t, processorEvent(h, child, "AUTHORISED", "k1"), 409, session.ReasonParentClosed)
				res := h.do("GET", "/sessions/"+child, merchant, nil)
				if got := res.json(t)["status"]; res.Code != 200 || got != "CANCEL_REQUESTED" {
					t.Errorf("GET child = %d, status %v; want 200, CANCEL_REQUESTED", res.Code, got)
				}
			}
		})
	}
}
