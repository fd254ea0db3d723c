package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAuthenticateChallenges: the challenge each refusal carries, from the
// auth package alone. README (error table): a 401 is "always with a
// `WWW-Authenticate` challenge (`error="invalid_token"` for a refused bearer
// token)"; README (RFC 6750 error codes): "a request with no token (none,
// another scheme such as `Basic`, a repeated `Authorization`, an API key)
// gets the bare challenge", "A 403 `INSUFFICIENT_SCOPE` for a bearer token
// carries `WWW-Authenticate: Bearer realm="paysessions",
// error="insufficient_scope", scope="<the scopes the request needs>"`",
// and "nor has a 403 that is not about scope (`MERCHANT_REQUIRED`, ...)".
func TestAuthenticateChallenges(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	a := auth.New(auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience}), nil)
	read := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	processor := iss.MustMint(devtoken.Claims{Scopes: []string{"sessions:read"}})
	const (
		bare    = `Bearer realm="paysessions"`
		apiKey  = `ApiKey realm="paysessions", header="X-Api-Key"`
		invalid = `Bearer realm="paysessions", error="invalid_token"`
		noScope = `Bearer realm="paysessions", error="insufficient_scope", scope="sessions:write"`
	)
	bearer := auth.Rule{Scope: "sessions:read", Bearer: true, Merchant: true}
	either := auth.Rule{Scope: "sessions:read", Bearer: true, APIKey: true}
	keyOnly := auth.Rule{Scope: "sessions:read", APIKey: true}
	tests := []struct {
		name    string
		headers http.Header
		rule    auth.Rule
		code    session.Code
		want    string
	}{
		{"no credentials, bearer endpoint", nil, bearer, session.EUNAUTHORIZED, bare},
		{"no credentials, either endpoint", nil, either, session.EUNAUTHORIZED, bare + ", " + apiKey},
		{"no credentials, API-key endpoint", nil, keyOnly, session.EUNAUTHORIZED, apiKey},
		{"basic scheme", http.Header{"Authorization": {"Basic abc"}}, bearer, session.EUNAUTHORIZED, bare},
		{"Authorization twice", http.Header{"Authorization": {"Bearer " + read, "Bearer " + read}}, bearer, session.EUNAUTHORIZED, bare},
		{"an API key, bearer endpoint", http.Header{"X-Api-Key": {"psk_a_b"}}, bearer, session.EUNAUTHORIZED, bare},
		{"a refused token", http.Header{"Authorization": {"Bearer " + tamper(read)}}, bearer, session.EUNAUTHORIZED, invalid},
		{"a malformed token", http.Header{"Authorization": {"Bearer not-a-token"}}, either, session.EUNAUTHORIZED, invalid + ", " + apiKey},
		{"a token lacking the scope", http.Header{"Authorization": {"Bearer " + read}}, auth.Rule{Scope: "sessions:write", Bearer: true}, session.EFORBIDDEN, noScope},
		{"a token acting for no merchant", http.Header{"Authorization": {"Bearer " + processor}}, bearer, session.EFORBIDDEN, ""},
		{"a valid token", http.Header{"Authorization": {"Bearer " + read}}, bearer, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, vs := range tt.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			_, _, err := a.Authenticate(r, tt.rule)
			if got := session.ErrorCode(err); got != tt.code {
				t.Fatalf("Authenticate() code = %q (%v); want %q", got, err, tt.code)
			}
			if got := auth.Challenge(err); got != tt.want {
				t.Errorf("Challenge() = %q; want %q", got, tt.want)
			}
		})
	}
}
