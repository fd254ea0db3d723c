package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestForbiddenLineNamesTheCaller: the request log line carries
// "`merchant_id` and `subject` once a credential is accepted" (README,
// Security). A 403 is an answer to a credential the service accepted as
// genuine (its signature, issuer and expiry checked, or the key found)
// whose scopes or merchant fall short of the route; its line names that
// caller, as the line of POST /api-keys' 403 for a scope the token lacks
// already did. Only a credential refused (401) leaves them out.
func TestForbiddenLineNamesTheCaller(t *testing.T) {
	h := newHarness(t)
	const merchant = "m-forbidden"
	readKey := h.apiKey(merchant, auth.ScopeSessionsRead)
	keyID := strings.Split(readKey, "_")[1]
	writer := h.iss.MustMint(devtoken.Claims{Subject: "writer-1", MerchantID: merchant, Scopes: []string{auth.ScopeSessionsWrite}})
	noMerchant := h.iss.MustMint(devtoken.Claims{Subject: "reader-1", Scopes: []string{auth.ScopeSessionsRead}})
	keyMaker := h.iss.MustMint(devtoken.Claims{Subject: "keymaker-1", MerchantID: merchant, Scopes: []string{auth.ScopeAPIKeysWrite}})
	const id = "/sessions/00000000-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name         string
		method, path string
		token        string
		body         any
		headers      []string
		wantCode     string
		wantMerchant any // nil: no merchant_id
		wantSubject  string
	}{
		{"token without the scope", "GET", id, writer, nil, nil, "INSUFFICIENT_SCOPE", merchant, "writer-1"},
		{"key without the scope", "POST", "/sessions", "", `{"amount":100,"currency":"ZAR"}`, []string{"X-Api-Key", readKey}, "INSUFFICIENT_SCOPE", merchant, "apikey:" + keyID},
		{"token without a merchant", "GET", id, noMerchant, nil, nil, "MERCHANT_REQUIRED", nil, "reader-1"},
		{"key scope the token lacks", "POST", "/api-keys", keyMaker, `{"scopes":["sessions:read"]}`, nil, "INSUFFICIENT_SCOPE", merchant, "keymaker-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(logLines(t, h.logs.String()))
			res := h.do(tc.method, tc.path, tc.token, tc.body, tc.headers...)
			if res.Code != http.StatusForbidden {
				t.Fatalf("%s %s: got %d %s; want 403", tc.method, tc.path, res.Code, res.Body)
			}
			lines := logLines(t, h.logs.String())[before:]
			if len(lines) != 1 {
				t.Fatalf("log lines: got %d; want 1", len(lines))
			}
			l := lines[0]
			if l["code"] != tc.wantCode {
				t.Errorf("code: got %v; want %v", l["code"], tc.wantCode)
			}
			if l["merchant_id"] != tc.wantMerchant {
				t.Errorf("merchant_id: got %v; want %v", l["merchant_id"], tc.wantMerchant)
			}
			if l["subject"] != tc.wantSubject {
				t.Errorf("subject: got %v; want %v", l["subject"], tc.wantSubject)
			}
		})
	}
}
