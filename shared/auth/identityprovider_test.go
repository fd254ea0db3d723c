package auth_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/session"
)

// TestREADMESaysWhichProvidersTokensAreRefused: README's "Auth" tells a
// deployer, before a deploy, what an identity provider's access token must
// carry, and that two common providers' tokens are refused as they come:
// Amazon Cognito's carry no `aud` and write a resource server's scopes
// `<resource-server-identifier>/<scope>`; Microsoft Entra ID's tokens of
// the client-credentials flow carry app roles in `roles`. Each quote is
// held to what the verifier does with a token of that shape, so the
// paragraph cannot promise what the code does not do (nor miss what it
// refuses): a token without `aud` is 401 whatever else it holds, a
// prefixed scope or a `roles` claim grants no scope (403
// INSUFFICIENT_SCOPE where a scope is needed), `aud` as an array holding
// the audience is accepted, and an `iss` with a trailing `/` is another
// issuer.
func TestREADMESaysWhichProvidersTokensAreRefused(t *testing.T) {
	readme := doctext.Section(t, "Auth")
	for _, q := range []string{
		"**What an identity provider's access token must carry.**",
		"`aud` equal to `JWT_AUDIENCE`, or an array holding it",
		"`iss` exactly `JWT_ISSUER` (a trailing `/` makes another issuer)",
		"a user pool's access tokens carry no `aud` (the app client is in `client_id`), so every one is 401",
		"`<resource-server-identifier>/<scope>` (`paysessions/sessions:read`), which matches no scope here",
		"carry app roles in `roles`, which the service does not read",
		"a `sub`, when there is one, a string (a number or `null` is 401), and so is a `jti`",
	} {
		if !strings.Contains(readme, q) {
			t.Errorf("README's Auth does not say %q", q)
		}
	}

	// An operator who deployed anyway and sees every token refused is
	// sent from Troubleshooting to the same paragraph.
	const pointer = "a token without `aud` (Amazon Cognito's access tokens) is refused whatever `JwtAudience` says"
	if !strings.Contains(doctext.Section(t, "Troubleshooting"), pointer) {
		t.Errorf("README's Troubleshooting does not say %q", pointer)
	}

	iss := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	exp := time.Now().Add(time.Hour).Unix()
	for _, tt := range []struct {
		name     string
		claims   map[string]any
		wantCode session.Code // "" for a token accepted
		noScope  string       // a scope the accepted token must not grant
	}{
		{"Cognito: no aud, the app client in client_id",
			map[string]any{"iss": issuer, "client_id": "3n4b5urk1ft4fl3mg5e62d9ado", "token_use": "access", "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		{"Cognito: a resource server's prefixed scope",
			map[string]any{"iss": issuer, "aud": audience, "scope": "paysessions/sessions:read", "merchant_id": "m-1", "exp": exp},
			"", auth.ScopeSessionsRead},
		{"Entra ID: client-credentials app roles in roles",
			map[string]any{"iss": issuer, "aud": audience, "roles": []string{"sessions:process"}, "exp": exp},
			"", auth.ScopeSessionsProcess},
		{"aud as an array holding the audience",
			map[string]any{"iss": issuer, "aud": []string{"other", audience}, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			"", ""},
		{"iss with a trailing /",
			map[string]any{"iss": issuer + "/", "aud": audience, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		// README: "a `sub`, when there is one, a string (a number or `null` is 401),
		// and so is a `jti`" (r95-authz: measured on make run and make
		// start-api; the JWT library reads both as RFC 7519's strings).
		{"sub a number",
			map[string]any{"iss": issuer, "aud": audience, "sub": 42, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		{"jti a number",
			map[string]any{"iss": issuer, "aud": audience, "jti": 7, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		// r108-authz: a null sub or jti was taken as none (jwx skips a
		// null claim), where a number is 401 (both local servers, 200).
		{"sub null",
			map[string]any{"iss": issuer, "aud": audience, "sub": nil, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		{"jti null",
			map[string]any{"iss": issuer, "aud": audience, "jti": nil, "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			session.EUNAUTHORIZED, ""},
		{"jti a string",
			map[string]any{"iss": issuer, "aud": audience, "jti": "7", "scope": "sessions:read", "merchant_id": "m-1", "exp": exp},
			"", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			payload, err := json.Marshal(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := iss.SignJWS(nil, payload)
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.Verify(context.Background(), tok)
			if got := session.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Verify() = %v (code %q); want code %q", err, got, tt.wantCode)
			}
			if err == nil && tt.noScope != "" && p.HasScope(tt.noScope) {
				t.Errorf("the token grants %s; got %v; want no such scope", tt.noScope, p.Scopes)
			}
		})
	}
}
