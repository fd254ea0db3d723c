package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAPIKeyOutlivesItsMaker: README, "API keys": "A key acts for the
// merchant whose token made it, and outlives that token: without an
// expiresAt it works until it is revoked, whatever the token's exp, and any
// token of that merchant with apikeys:write may revoke it, not only one of
// its maker's sub". The key's clock is moved past the maker's exp by two
// years (the harness's token verifier reads real time, so the maker's token
// itself is not refused here; r97-authz measured that part live).
func TestAPIKeyOutlivesItsMaker(t *testing.T) { eachStore(t, testAPIKeyOutlivesItsMaker) }

func testAPIKeyOutlivesItsMaker(t *testing.T, h *harness) {
	maker := h.iss.MustMint(devtoken.Claims{Subject: "alice", MerchantID: "m-1", Scopes: []string{auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead}, TTL: time.Minute})
	res := h.do("POST", "/api-keys", maker, map[string]any{"scopes": []string{auth.ScopeSessionsRead}})
	if res.Code != 201 {
		t.Fatalf("POST /api-keys = %d %s; want 201", res.Code, res.Body)
	}
	body := res.json(t)
	key, id := body["key"].(string), body["keyId"].(string)
	created := h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{"amount": 1, "currency": "EUR"})
	if created.Code != 201 {
		t.Fatalf("POST /sessions = %d %s; want 201", created.Code, created.Body)
	}
	sid := created.json(t)["id"].(string)

	h.clock.Set(t0.Add(2 * auth.MaxAPIKeyLifetime))
	if got := h.do("GET", "/payment-sessions/"+sid, "", nil, "X-Api-Key", key).Code; got != 404 {
		// The session is long gone (404); a refused key would be 401.
		t.Fatalf("key without expiresAt, two years after its maker's 1-minute token: got %d; want 404 (the key accepted)", got)
	}
	other := h.iss.MustMint(devtoken.Claims{Subject: "bob", MerchantID: "m-1", Scopes: []string{auth.ScopeAPIKeysWrite}})
	if got := h.do("DELETE", "/api-keys/"+id, other, nil).Code; got != 204 {
		t.Fatalf("DELETE by another sub of the merchant: got %d; want 204", got)
	}
	wantProblem(t, h.do("GET", "/payment-sessions/"+sid, "", nil, "X-Api-Key", key), 401, session.ReasonUnauthenticated)
}
