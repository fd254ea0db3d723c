package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestWriteScopeSeesWhatItWrites: README, API keys: "`sessions:write`
// alone does not keep a client from reading sessions: the answers to
// `POST /sessions` and to a cancel are the whole session, its `hcpToken`
// included, and a cancel of a closed session is 409 `INVALID_TRANSITION`,
// so a write-only key reads each session of its merchant it cancels, and
// learns which are closed". Held for a write-only key and a write-only
// token alike: each is refused a read (403 INSUFFICIENT_SCOPE), yet the
// session it creates, and one its merchant made that it cancels, come back
// whole (r95-authz: measured on make run and make start-api).
func TestWriteScopeSeesWhatItWrites(t *testing.T) {
	eachStore(t, testWriteScopeSeesWhatItWrites)
}

func testWriteScopeSeesWhatItWrites(t *testing.T, h *harness) {
	key := h.apiKey("m-1", auth.ScopeSessionsWrite)
	tok := h.token("m-1", auth.ScopeSessionsWrite)
	for _, c := range []struct {
		name    string
		token   string
		headers []string
	}{
		{"write-only key", "", []string{"X-Api-Key", key}},
		{"write-only token", tok, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{"amount": 8800, "currency": "ZAR", "orderId": "order-w"}
			res := h.do("POST", "/sessions", c.token, body, c.headers...)
			if res.Code != http.StatusCreated {
				t.Fatalf("POST /sessions = %d %s; want 201", res.Code, res.Body)
			}
			if got := res.json(t)["hcpToken"]; got == nil || got == "" {
				t.Errorf("POST /sessions answer's hcpToken = %v; want the session's", got)
			}

			id := h.create("m-1", nil) // a session the credential never made
			wantProblem(t, h.do("GET", "/sessions/"+id, c.token, nil, c.headers...), http.StatusForbidden, session.ReasonInsufficientScope)

			res = h.do("POST", "/sessions/"+id+"/cancel", c.token, map[string]any{}, c.headers...)
			if res.Code != http.StatusOK {
				t.Fatalf("cancel = %d %s; want 200", res.Code, res.Body)
			}
			got := res.json(t)
			if got["id"] != id || got["hcpToken"] == nil || got["hcpToken"] == "" || got["history"] == nil {
				t.Errorf("cancel's answer = %v; got id %v; want the whole session %s, its hcpToken and history", got, got["id"], id)
			}

			wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", c.token, map[string]any{}, c.headers...), http.StatusConflict, session.ReasonInvalidTransition)
		})
	}
}
