package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/smithy-go/middleware"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestRefusedCredentialsCostNoDynamoDBCall counts the DynamoDB calls of
// requests whose credentials are refused (401, 403), on every route, with
// the body and ids a real call would send: none, but for a well-formed
// X-Api-Key whose id this container has not looked up within
// APIKeyCacheTTL, which costs that one GetItem (the key's digest is
// stored in the table), whatever the route and however often it is sent.
// A caller without valid credentials can make the service read nothing
// else: no session, no index, no idempotency record.
func TestRefusedCredentialsCostNoDynamoDBCall(t *testing.T) {
	calls := &storetest.CallCounter{}
	h := newHarnessWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	id := h.create("m-1", nil)
	madeUp := "psk_0123456789abcdef_" + strings.Repeat("a", 64)
	credentials := []struct {
		name    string
		headers []string
	}{
		{"none", nil},
		{"a malformed bearer token", []string{"Authorization", "Bearer x.y.z"}},
		{"a forged token", []string{"Authorization", "Bearer " + forgedToken(t)}},
		{"a token without scopes", []string{"Authorization", "Bearer " + h.token("m-1")}},
		{"a malformed API key", []string{"X-Api-Key", "psk_0123456789ABCDEF_" + strings.Repeat("a", 64)}},
		{"a made-up API key", []string{"X-Api-Key", madeUp}},
	}
	body := map[string]any{"amount": 1, "currency": "EUR", "status": "PROCESSING", "scopes": []string{auth.ScopeSessionsRead}}
	calls.Take()
	for _, c := range credentials {
		var all []string
		for _, rt := range httpapi.Routes(httpapi.Deps{}) {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			for _, p := range []string{"{sessionId}", "{sessionGuid}", "{paymentId}", "{paymentSessionId}", "{checkoutSessionId}"} {
				path = strings.Replace(path, p, id, 1)
			}
			path = strings.Replace(path, "{keyId}", "0123456789abcdef", 1)
			if strings.HasSuffix(path, "/session-record") {
				path += "?createdDate=2026-11-23"
			}
			var b any
			if method == http.MethodPost {
				b = body
			}
			res := h.do(method, path, "", b, append([]string{"X-Merchant-Id", "m-1"}, c.headers...)...)
			if res.Code != http.StatusUnauthorized && res.Code != http.StatusForbidden {
				t.Errorf("%s %s with %s: status %d; want 401 or 403", method, path, c.name, res.Code)
			}
			got := calls.Take()
			all = append(all, got...)
			if len(got) > 0 && c.name != "a made-up API key" {
				t.Errorf("%s %s with %s: DynamoDB calls %q; want none", method, path, c.name, got)
			}
		}
		// A made-up key id costs its first use one GetItem; every later
		// use, on any route, is answered from the cache.
		want := ""
		if c.name == "a made-up API key" {
			want = "GetItem"
		}
		if got := strings.Join(all, " "); got != want {
			t.Errorf("every route with %s: DynamoDB calls %q; want %q", c.name, got, want)
		}
	}
}

// forgedToken is a well-formed ES256 token for the harness's issuer and
// audience, signed by a key the JWKS does not hold.
func forgedToken(t *testing.T) string {
	t.Helper()
	other, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	return other.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{auth.ScopeSessionsRead, auth.ScopeSessionsWrite}})
}
