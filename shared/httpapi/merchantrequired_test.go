package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTokenWithoutMerchantIsRefusedEverywhereAMerchantActs: README's
// errors table, 403 for "valid credentials ... not acting for a merchant"
// (MERCHANT_REQUIRED), and docs/design.md §7, "a caller sees only its own
// merchant's sessions" and "another merchant's or unknown key 404". Every
// route that acts for a merchant refuses a bearer token that carries the
// route's scope but no merchant_id with 403 MERCHANT_REQUIRED (001's in
// its envelope), and changes nothing: the session stays open, the key
// keeps working. Only the processors' events route takes such a token.
func TestTokenWithoutMerchantIsRefusedEverywhereAMerchantActs(t *testing.T) {
	eachStore(t, testTokenWithoutMerchantIsRefusedEverywhereAMerchantActs)
}

func testTokenWithoutMerchantIsRefusedEverywhereAMerchantActs(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	keyID := strings.Split(key, "_")[1]
	day := h.clock.Now().UTC().Format("2006-01-02")
	for _, tt := range []struct {
		method, path string
		scopes       []string
		body         any
		headers      []string
	}{
		{"POST", "/sessions", []string{auth.ScopeSessionsWrite}, map[string]any{"amount": 1, "currency": "EUR"}, nil},
		{"GET", "/sessions/" + id, []string{auth.ScopeSessionsRead}, nil, nil},
		{"POST", "/sessions/" + id + "/cancel", []string{auth.ScopeSessionsWrite}, nil, nil},
		{"POST", "/api-keys", []string{auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead}, map[string]any{"scopes": []string{auth.ScopeSessionsRead}}, nil},
		{"DELETE", "/api-keys/" + keyID, []string{auth.ScopeAPIKeysWrite}, nil, nil},
		{"GET", "/v1/session/" + id, []string{auth.ScopeSessionsRead}, nil, nil},
		{"GET", "/v2.0/payments/" + id + "/status", []string{auth.ScopePaymentRead}, nil, nil},
		{"GET", "/v1/checkout-sessions/" + id, []string{auth.ScopeUser}, nil, []string{"X-Merchant-Id", "m-1"}},
		{"GET", "/pps/api/v1/session-record?createdDate=" + day, []string{auth.ScopeSessionsRead}, nil, nil},
		{"GET", "/pps/api/v1/session-record/" + id, []string{auth.ScopeSessionsRead}, nil, nil},
	} {
		name := strings.NewReplacer(id, "{id}", keyID, "{keyId}", day, "{day}").Replace(tt.method + " " + tt.path)
		t.Run(name, func(t *testing.T) {
			res := h.do(tt.method, tt.path, h.token("", tt.scopes...), tt.body, tt.headers...)
			if strings.HasPrefix(tt.path, "/v2.0/") {
				if res.Code != http.StatusForbidden {
					t.Fatalf("status = %d (%s); want 403", res.Code, res.Body)
				}
				wantEnvelopeCode(t, res, session.ReasonMerchantRequired)
				return
			}
			wantProblem(t, res, http.StatusForbidden, session.ReasonMerchantRequired)
		})
	}
	if got := h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil).json(t)["status"]; got != "CREATED" {
		t.Errorf("session after the refusals: status %v; want CREATED", got)
	}
	if res := h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key); res.Code != http.StatusOK {
		t.Errorf("key after the refusals: GET = %d %s; want 200", res.Code, res.Body)
	}
}
