package httpapi_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestNoSettlementUnderACanceledParentOverHTTP: docs/design.md §4, "A child
// can never reach AUTHORISED or SETTLED under a closed parent: 409
// PARENT_CLOSED", and "The family rules keep money from being taken twice
// or under a canceled parent". The child's AUTHORISED moved the parent to AUTHORISED; once the
// parent is canceled (or its cancellation asked for), the child's
// settlement is refused, on both stores.
func TestNoSettlementUnderACanceledParentOverHTTP(t *testing.T) {
	eachStore(t, testNoSettlementUnderACanceledParentOverHTTP)
}

func testNoSettlementUnderACanceledParentOverHTTP(t *testing.T, h *harness) {
	tests := []struct {
		name   string
		close  func(parent string)
		status int
	}{
		{"parent stays AUTHORISED", func(string) {}, 200},
		{"parent canceled by its processor", func(p string) { h.event(p, map[string]any{"status": "CANCELED"}) }, 409},
		{"parent's cancel asked by the merchant", func(p string) { h.cancel("m-1", p) }, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := h.merchantToken("m-1")
			parent := h.create("m-1", nil)
			res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
			if res.Code != 201 {
				t.Fatalf("child = %d %s", res.Code, res.Body)
			}
			child := res.json(t)["id"].(string)
			h.event(child, map[string]any{"status": "AUTHORISED"})
			if got := h.do("GET", "/sessions/"+parent, tok, nil).json(t)["status"]; got != "AUTHORISED" {
				t.Fatalf("parent = %v; want AUTHORISED, moved by its child", got)
			}
			tt.close(parent)
			res = h.do("POST", "/sessions/"+child+"/events", h.processorToken(), map[string]any{"status": "SETTLED"})
			if tt.status == 409 {
				wantProblem(t, res, 409, session.ReasonParentClosed)
			} else if res.Code != tt.status {
				t.Errorf("child SETTLED = %d %s; want %d", res.Code, res.Body, tt.status)
			}
		})
	}
}
