package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAPIKeyOnlyWhereTheRouteTakesOne: with a working API-key verifier
// (the key is m-1's, scopes sessions:read), an API key is a credential
// only on a route that takes one, and grants only its own scopes.
// docs/design.md §7: "several routes accept either a token or a key"
// (the others take one kind); "On an endpoint that takes both, a request
// with a bearer token is judged by the token alone"; README (error table):
// 403 for "valid credentials without the scope". TestAuthenticateRules has
// no key verifier, so a rule's APIKey was never what refused a key.
func TestAPIKeyOnlyWhereTheRouteTakesOne(t *testing.T) {
	a, token, key := credentialAuthenticator(t)
	const (
		bare   = `Bearer realm="paysessions"`
		apiKey = `ApiKey realm="paysessions", header="X-Api-Key"`
	)
	bearerOnly := auth.Rule{Scope: "sessions:read", Bearer: true, Merchant: true}
	keyOnly := auth.Rule{Scope: "sessions:read", APIKey: true, Merchant: true}
	either := auth.Rule{Scope: "sessions:read", Bearer: true, APIKey: true, Merchant: true}
	tests := []struct {
		name      string
		headers   map[string]string
		rule      auth.Rule
		code      session.Code
		reason    string
		method    auth.Method
		challenge string
	}{
		{"key, bearer-only route", map[string]string{"X-Api-Key": key}, bearerOnly, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", bare},
		{"key, key-only route", map[string]string{"X-Api-Key": key}, keyOnly, "", "", auth.MethodAPIKey, ""},
		{"key, either route", map[string]string{"X-Api-Key": key}, either, "", "", auth.MethodAPIKey, ""},
		{"key lacking the route's scope", map[string]string{"X-Api-Key": key}, auth.Rule{Scope: "sessions:write", APIKey: true}, session.EFORBIDDEN, session.ReasonInsufficientScope, "", ""},
		{"key lacking sessions:process", map[string]string{"X-Api-Key": key}, auth.Rule{Scope: "sessions:process", Bearer: true, APIKey: true}, session.EFORBIDDEN, session.ReasonInsufficientScope, "", ""},
		{"token, key-only route", map[string]string{"Authorization": "Bearer " + token}, keyOnly, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", apiKey},
		{"token and key, either route: the token", map[string]string{"Authorization": "Bearer " + token, "X-Api-Key": key}, either, "", "", auth.MethodJWT, ""},
		{"refused token and a good key, either route", map[string]string{"Authorization": "Bearer " + tamper(token), "X-Api-Key": key}, either, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", `Bearer realm="paysessions", error="invalid_token", ` + apiKey},
		// An Authorization header that holds no bearer token (another
		// scheme, or the scheme alone) beside a good key is judged as the
		// Authorization header, not the key: 401, with no invalid_token
		// (no token was presented). An empty one is no credential.
		{"another scheme and a good key, either route", map[string]string{"Authorization": "Basic Zm9vOmJhcg==", "X-Api-Key": key}, either, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", bare + ", " + apiKey},
		{"scheme alone and a good key, either route", map[string]string{"Authorization": "Bearer ", "X-Api-Key": key}, either, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", bare + ", " + apiKey},
		{"empty Authorization and a good key, either route: the key", map[string]string{"Authorization": " \t", "X-Api-Key": key}, either, "", "", auth.MethodAPIKey, ""},
		{"another scheme and a good key, key-only route: the key", map[string]string{"Authorization": "Basic Zm9vOmJhcg==", "X-Api-Key": key}, keyOnly, "", "", auth.MethodAPIKey, ""},
		{"nothing, bearer-only route", nil, bearerOnly, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", bare},
		{"nothing, key-only route", nil, keyOnly, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", apiKey},
		{"nothing, either route", nil, either, session.EUNAUTHORIZED, session.ReasonUnauthenticated, "", bare + ", " + apiKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			p, _, err := a.Authenticate(r, tt.rule)
			if got := session.ErrorCode(err); got != tt.code {
				t.Fatalf("Authenticate() = %+v, %v; got %q; want %q", p, err, got, tt.code)
			}
			if got := session.ErrorReason(err); tt.reason != "" && got != tt.reason {
				t.Errorf("reason: got %v; want %v", got, tt.reason)
			}
			if got := auth.Challenge(err); got != tt.challenge {
				t.Errorf("Challenge(): got %v; want %v", got, tt.challenge)
			}
			if err == nil && (p.Method != tt.method || p.MerchantID != "m-1") {
				t.Errorf("principal: got %+v; want method %v of m-1", p, tt.method)
			}
		})
	}
}
