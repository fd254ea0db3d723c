package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTokenHeaderNamesNoKey: docs/design.md §7, "are verified against a
// JSON Web Key Set (`JWKS_URL`". A token can name a key of its
// own in its header (RFC 7515 §4.1.2-4.1.6: jku, jwk, x5u); a verifier
// that used it would take any token its holder signs. A token signed with
// a key the JWKS does not hold is refused whatever its header says, with
// the kid of a key the set holds, of the header's own key, or none, and
// no URL its header names is ever fetched. Each row is a valid token in
// every other way; the control row, the same claims under the JWKS's key
// with the same header members, is accepted (the members are ignored, not
// refused).
func TestTokenHeaderNamesNoKey(t *testing.T) {
	real := newIssuer(t, jwa.RS256())
	attacker := newIssuer(t, jwa.RS256()) // a key the JWKS does not hold
	jwks := newJWKSServer(t, real.JWKS())
	theirs := newJWKSServer(t, attacker.JWKS()) // the attacker's own key set
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})

	theirKey, err := jwk.Import(attacker.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := theirKey.Set(jwk.KeyIDKey, attacker.KeyID); err != nil {
		t.Fatal(err)
	}
	claims := `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"x","merchant_id":"m-1","scope":"sessions:read","exp":` +
		string(mustJSON(now.Add(time.Hour).Unix())) + `}`

	tests := []struct {
		name   string
		signer string // "real" or "attacker"
		header map[string]any
		ok     bool
	}{
		{"control: the JWKS's key, jwk, jku and x5u naming another", "real", map[string]any{"jwk": theirKey, "jku": theirs.URL, "x5u": theirs.URL}, true},
		{"jwk of the signing key, kid of the JWKS's key", "attacker", map[string]any{"kid": real.KeyID, "jwk": theirKey}, false},
		{"jwk of the signing key, its own kid", "attacker", map[string]any{"jwk": theirKey}, false},
		{"jku of a set holding the signing key, its kid", "attacker", map[string]any{"jku": theirs.URL}, false},
		{"jku of a set holding the signing key, kid of the JWKS's key", "attacker", map[string]any{"kid": real.KeyID, "jku": theirs.URL}, false},
		{"x5u, its kid", "attacker", map[string]any{"x5u": theirs.URL}, false},
		{"jwk, jku and x5u together", "attacker", map[string]any{"jwk": theirKey, "jku": theirs.URL, "x5u": theirs.URL}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer := real
			if tt.signer == "attacker" {
				signer = attacker
			}
			p, err := v.Verify(context.Background(), signWith(t, signer, tt.header, claims))
			switch {
			case tt.ok && err != nil:
				t.Fatalf("Verify() = %v; want nil", err)
			case !tt.ok && session.ErrorCode(err) != session.EUNAUTHORIZED:
				t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
			}
		})
	}
	if got := theirs.fetches.Load(); got != 0 {
		t.Errorf("the URL a token's header names was fetched %d times; want 0", got)
	}
}

// TestIssuerAndAudienceAreRequired: docs/design.md §7, "with the issuer
// (JWT_ISSUER) and audience (JWT_AUDIENCE) required". TestVerify holds a
// wrong iss or aud; these are the ones left out or in another shape. aud
// may be an array (RFC 7519 §4.1.3) and is then accepted when it holds the
// audience; iss is one StringOrURI and never an array.
func TestIssuerAndAudienceAreRequired(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	rest := `"sub":"x","merchant_id":"m-1","scope":"sessions:read","exp":` + string(mustJSON(now.Add(time.Hour).Unix()))
	q := func(s string) string { return string(mustJSON(s)) }

	tests := []struct {
		name   string
		claims string
		ok     bool
	}{
		{"iss and aud", `{"iss":` + q(issuer) + `,"aud":` + q(audience) + `,` + rest + `}`, true},
		{"aud an array holding the audience", `{"iss":` + q(issuer) + `,"aud":["other",` + q(audience) + `],` + rest + `}`, true},
		{"no iss", `{"aud":` + q(audience) + `,` + rest + `}`, false},
		{"no aud", `{"iss":` + q(issuer) + `,` + rest + `}`, false},
		{"neither", `{` + rest + `}`, false},
		{"iss null", `{"iss":null,"aud":` + q(audience) + `,` + rest + `}`, false},
		{"aud null", `{"iss":` + q(issuer) + `,"aud":null,` + rest + `}`, false},
		{"iss empty", `{"iss":"","aud":` + q(audience) + `,` + rest + `}`, false},
		{"aud empty", `{"iss":` + q(issuer) + `,"aud":"",` + rest + `}`, false},
		{"aud an empty array", `{"iss":` + q(issuer) + `,"aud":[],` + rest + `}`, false},
		{"aud an array without the audience", `{"iss":` + q(issuer) + `,"aud":["other"],` + rest + `}`, false},
		{"iss an array holding the issuer", `{"iss":[` + q(issuer) + `],"aud":` + q(audience) + `,` + rest + `}`, false},
		{"iss with a trailing slash", `{"iss":` + q(issuer+"/") + `,"aud":` + q(audience) + `,` + rest + `}`, false},
		{"aud in another case", `{"iss":` + q(issuer) + `,"aud":"PaySessions",` + rest + `}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), signWith(t, iss, map[string]any{"typ": "JWT"}, tt.claims))
			switch {
			case tt.ok && err != nil:
				t.Fatalf("Verify() = %v; want nil", err)
			case !tt.ok && session.ErrorCode(err) != session.EUNAUTHORIZED:
				t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
			}
		})
	}
}
