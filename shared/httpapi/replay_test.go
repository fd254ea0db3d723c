package httpapi_test

import (
	"testing"
	"time"
)

// TestChildCreateReplaysFirst: docs/design.md §2, POST /sessions takes an
// `Idempotency-Key`: "the same key with another body is 409"; the
// README: "A replay returns the first response byte for byte (same id,
// status and body, with Idempotent-Replayed: true), even if the session
// (or a child's parent) changed since". A retried create of a child session is a replay whatever
// has become of the parent since the first create: the parent now has this
// very child open, has been closed by it, has expired, or is gone. None of
// that may turn the retry into a refusal (409 CHILD_SESSION_EXISTS,
// PARENT_NOT_OPEN) or a second child.
func TestChildCreateReplaysFirst(t *testing.T) { eachStore(t, testChildCreateReplaysFirst) }

func testChildCreateReplaysFirst(t *testing.T, h *harness) {
	tests := []struct {
		name  string
		after func(parent, child string) // what happens between the create and its retry
	}{
		{"parent has the child open", func(string, string) {}},
		{"the child's AUTHORISED closed the parent", func(_, child string) { h.event(child, map[string]any{"status": "AUTHORISED"}) }},
		{"the parent was canceled", func(parent, _ string) { h.cancel("m-1", parent) }},
		{"both expired", func(string, string) { h.clock.Advance(31 * time.Minute) }},
		{"both gone", func(string, string) { h.clock.Advance(46 * time.Minute) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := h.merchantToken("m-1")
			parent := h.create("m-1", nil)
			body := map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}
			key := "child-of-" + parent[:8] + "-" + string(rune('a'+i))
			first := h.do("POST", "/sessions", tok, body, "Idempotency-Key", key)
			if first.Code != 201 {
				t.Fatalf("first create = %d %s", first.Code, first.Body)
			}
			tt.after(parent, first.json(t)["id"].(string))
			again := h.do("POST", "/sessions", tok, body, "Idempotency-Key", key)
			if again.Code != 201 || again.Body.String() != first.Body.String() || again.Header().Get("Location") != first.Header().Get("Location") || again.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry = %d %s %v; want the first answer replayed (201, %s)", again.Code, again.Body, again.Header(), first.Header().Get("Location"))
			}
			other := map[string]any{"amount": 2, "currency": "EUR", "parentSessionId": parent}
			wantProblem(t, h.do("POST", "/sessions", tok, other, "Idempotency-Key", key), 409, "IDEMPOTENCY_KEY_REUSED")
		})
	}
}
