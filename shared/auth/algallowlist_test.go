package auth_test

import (
	"context"
	"crypto"
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAlgAllowListHoldsForKeysWithoutAlg: docs/design.md §7, "Accepted
// algorithms: RS256, ES256, EdDSA; `none` and HMAC are refused." A JWKS
// entry need not name its alg (RFC 7517 §4.4: "alg" is OPTIONAL), so for
// such a key the token's alg alone decides which algorithm verifies: the
// allow-list, not the key, must refuse every other one, and an allowed alg
// must still fit the key it names (ES256 naming an RSA key is no token).
func TestAlgAllowListHoldsForKeysWithoutAlg(t *testing.T) {
	rsaIss := newIssuer(t, jwa.RS256())
	ecIss := newIssuer(t, jwa.ES256())
	edIss := newIssuer(t, jwa.EdDSA())
	set, err := json.Marshal(map[string]any{"keys": []any{
		jwkWithoutAlg(t, rsaIss.PublicKey(), "rsa"),
		jwkWithoutAlg(t, ecIss.PublicKey(), "ec"),
		jwkWithoutAlg(t, edIss.PublicKey(), "ed"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := newJWKSServer(t, set)
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	claims := map[string]any{"iss": issuer, "aud": audience, "sub": "x", "exp": now.Add(time.Hour).Unix(), "scope": "sessions:read"}
	sig := func(string) []byte { return make([]byte, 64) }
	tests := []struct {
		name, alg, kid string
	}{
		{"RS384 naming an RSA key", "RS384", "rsa"},
		{"RS512 naming an RSA key", "RS512", "rsa"},
		{"PS256 naming an RSA key", "PS256", "rsa"},
		{"HS256 naming an RSA key", "HS256", "rsa"},
		{"ES384 naming an EC key", "ES384", "ec"},
		{"ES256K naming an EC key", "ES256K", "ec"},
		{"HS256 naming an EC key", "HS256", "ec"},
		{"HS512 naming an Ed25519 key", "HS512", "ed"},
		{"ES256 naming an RSA key", "ES256", "rsa"},
		{"EdDSA naming an RSA key", "EdDSA", "rsa"},
		{"RS256 naming an EC key", "RS256", "ec"},
		{"ES256 naming an Ed25519 key", "ES256", "ed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := forge(map[string]any{"alg": tt.alg, "kid": tt.kid, "typ": "JWT"}, claims, sig)
			p, err := v.Verify(context.Background(), tok)
			if got := session.ErrorCode(err); got != session.EUNAUTHORIZED {
				t.Errorf("Verify() = %+v, %v (%q); want %q", p, err, got, session.EUNAUTHORIZED)
			}
		})
	}
	// The three keys verify their own algorithm's tokens: the refusals
	// above are the algorithms', not the keys'.
	for _, c := range []struct {
		kid string
		iss interface {
			SignJWS(map[string]any, []byte) (string, error)
		}
	}{{"rsa", rsaIss}, {"ec", ecIss}, {"ed", edIss}} {
		payload, _ := json.Marshal(claims)
		tok, err := c.iss.SignJWS(map[string]any{"kid": c.kid}, payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("Verify(a token of key %s) = %v; want nil", c.kid, err)
		}
	}
}

// jwkWithoutAlg is pub as a JWK entry naming kid and no alg.
func jwkWithoutAlg(t *testing.T, pub crypto.PublicKey, kid string) json.RawMessage {
	t.Helper()
	k, err := jwk.Import(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Algorithm(); ok {
		t.Fatal("an imported key names an alg")
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
