package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestCheckoutClosedPastExpiresAt: only an open session expires at
// document 003's endpoint (README: "one closed before its expiresAt
// (COMPLETED, FAILED) is answered 200 until its retention ends, its
// expiresAt then in the past"); an open one is its 401.
func TestCheckoutClosedPastExpiresAt(t *testing.T) { eachStore(t, testCheckoutClosedPastExpiresAt) }

func testCheckoutClosedPastExpiresAt(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	mid := []string{"X-Merchant-Id", "m-1"}
	tests := []struct {
		name   string
		events []string
		code   int
		status string
	}{
		{"authorised", []string{"AUTHORISED"}, 200, "COMPLETED"},
		{"settled", []string{"AUTHORISED", "SETTLED"}, 200, "COMPLETED"},
		{"failed", []string{"FAILED"}, 200, "FAILED"},
		{"fraud cancellation requested", []string{"AUTHORISED", "FRAUD_CANCELLATION_REQUESTED"}, 200, "COMPLETED"},
		{"open", []string{"PROCESSING"}, 401, ""},
	}
	ids := make([]string, len(tests))
	for i := range tests {
		ids[i] = h.create("m-1", nil)
	}
	// Closed a minute before expiresAt (30 minutes), read five minutes
	// after it: within every retention (15 minutes from the close).
	h.clock.Set(t0.Add(29 * time.Minute))
	for i, tt := range tests {
		for _, s := range tt.events {
			h.event(ids[i], map[string]any{"status": s})
		}
	}
	h.clock.Set(t0.Add(35 * time.Minute))
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("GET", "/v1/checkout-sessions/"+ids[i], user, nil, mid...)
			if res.Code != tt.code {
				t.Fatalf("status: got %d; want %d (%s)", res.Code, tt.code, res.Body)
			}
			if tt.code != 200 {
				return
			}
			cs := res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
			if got := cs["checkoutSessionStatus"]; got != tt.status {
				t.Errorf("checkoutSessionStatus: got %v; want %v", got, tt.status)
			}
			exp, err := time.Parse(time.RFC3339, cs["expiresAt"].(string))
			if err != nil || !exp.Before(h.clock.Now()) {
				t.Errorf("expiresAt: got %v (%v); want one in the past", cs["expiresAt"], err)
			}
		})
	}
}
