package httpapi_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestEmptyParentSessionIDRefused: a parentSessionId present but empty
// names no parent. It was read as no parent, so
// {"amount":100,"currency":"EUR","parentSessionId":""} was 201, a
// standalone session outside the family rules (closed with its parent,
// one open child: 409 CHILD_SESSION_EXISTS) the merchant asked for. It is
// refused, naming parentSessionId, and nothing is created; absent and null
// are still no parent (README, a null field is taken as absent). An
// Idempotency-Key's retry with "" is refused too, before the key is looked
// up, and does not use up the key: the same key with the parent left out
// or null still replays the first answer (their hashes are the same).
func TestEmptyParentSessionIDRefused(t *testing.T) { eachStore(t, testEmptyParentSessionIDRefused) }

func testEmptyParentSessionIDRefused(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, tt := range []struct {
		name, body string
		refused    bool // 400 VALIDATION_FAILED naming parentSessionId, else 201 without a parent
	}{
		{"empty", `{"amount":100,"currency":"EUR","parentSessionId":""}`, true},
		{"absent", `{"amount":100,"currency":"EUR"}`, false},
		{"null", `{"amount":100,"currency":"EUR","parentSessionId":null}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("POST", "/sessions", tok, tt.body)
			if !tt.refused {
				if r.Code != 201 {
					t.Fatalf("create = %d %s; want 201", r.Code, r.Body)
				}
				if p, ok := r.json(t)["parentSessionId"]; ok {
					t.Errorf("parentSessionId = %v; want none", p)
				}
				return
			}
			if p := wantProblem(t, r, 400, session.ReasonValidation); p["field"] != "parentSessionId" {
				t.Errorf("field = %v; want parentSessionId", p["field"])
			}
		})
	}

	first := h.do("POST", "/sessions", tok, `{"amount":100,"currency":"EUR"}`, "Idempotency-Key", "parent-empty-1")
	if first.Code != 201 {
		t.Fatalf("first = %d %s; want 201", first.Code, first.Body)
	}
	r := h.do("POST", "/sessions", tok, `{"amount":100,"currency":"EUR","parentSessionId":""}`, "Idempotency-Key", "parent-empty-1")
	if p := wantProblem(t, r, 400, session.ReasonValidation); p["field"] != "parentSessionId" {
		t.Errorf("retry with \"\": field = %v; want parentSessionId", p["field"])
	}
	for _, body := range []string{`{"amount":100,"currency":"EUR"}`, `{"amount":100,"currency":"EUR","parentSessionId":null}`} {
		r := h.do("POST", "/sessions", tok, body, "Idempotency-Key", "parent-empty-1")
		if r.Code != 201 || r.Header().Get("Idempotent-Replayed") != "true" || r.Body.String() != first.Body.String() {
			t.Errorf("retry %s = %d %s; want the first answer replayed", body, r.Code, r.Body)
		}
	}
}
