package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAlgAllowListRefusesTrueSignaturesOfOtherAlgs: docs/design.md §7,
// "Accepted algorithms: RS256, ES256, EdDSA"; README, Auth: "RS256, ES256
// or EdDSA only". TestAlgAllowListHoldsForKeysWithoutAlg forges its
// signatures, so each of its tokens would be refused even if its alg were
// accepted; here each token is truly signed by the private half of a JWKS
// key that names no alg, so only the allow-list can refuse it.
func TestAlgAllowListRefusesTrueSignaturesOfOtherAlgs(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(map[string]any{"keys": []any{jwkWithoutAlg(t, &priv.PublicKey, "rsa")}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := newJWKSServer(t, set)
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	payload, err := json.Marshal(map[string]any{"iss": issuer, "aud": audience, "sub": "x", "exp": now.Add(time.Hour).Unix(), "scope": "sessions:read"})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(alg jwa.SignatureAlgorithm) string {
		h := jws.NewHeaders()
		if err := h.Set(jws.KeyIDKey, "rsa"); err != nil {
			t.Fatal(err)
		}
		tok, err := jws.Sign(payload, jws.WithKey(alg, priv, jws.WithProtectedHeaders(h)))
		if err != nil {
			t.Fatal(err)
		}
		return string(tok)
	}
	tests := []struct {
		alg  jwa.SignatureAlgorithm
		want session.Code // "" accepted
	}{
		{jwa.RS256(), ""},
		{jwa.RS384(), session.EUNAUTHORIZED},
		{jwa.RS512(), session.EUNAUTHORIZED},
		{jwa.PS256(), session.EUNAUTHORIZED},
		{jwa.PS384(), session.EUNAUTHORIZED},
		{jwa.PS512(), session.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.alg.String(), func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(tt.alg))
			if got := session.ErrorCode(err); got != tt.want {
				t.Errorf("Verify(a token signed %s) = %v (%q); want %q", tt.alg, err, got, tt.want)
			}
		})
	}
}

// TestKeyNamingAnAlgNotAcceptedVerifiesNothing: README, Auth: "RS256, ES256
// or EdDSA only"; a JWKS entry's "alg" is "the algorithm intended for use
// with the key" (RFC 7517 §4.4), so an RSA key published for RS384 is no
// RS256 key: the set skips it, and an RS256 token it truly signed is 401,
// not verified as if the entry named no alg.
func TestKeyNamingAnAlgNotAcceptedVerifiesNothing(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, "rs384"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.AlgorithmKey, jwa.RS384()); err != nil {
		t.Fatal(err)
	}
	other := newIssuer(t, jwa.ES256()) // a usable key beside it: the set fails only with none
	set, err := json.Marshal(map[string]any{"keys": []any{k, jwkWithoutAlg(t, other.PublicKey(), "es")}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := newJWKSServer(t, set)
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	payload, err := json.Marshal(map[string]any{"iss": issuer, "aud": audience, "sub": "x", "exp": now.Add(time.Hour).Unix(), "scope": "sessions:read"})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	if err := h.Set(jws.KeyIDKey, "rs384"); err != nil {
		t.Fatal(err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), string(tok))
	if got := session.ErrorCode(err); got != session.EUNAUTHORIZED {
		t.Errorf("Verify(an RS256 token of a key published for RS384) = %v (%q); want %q", err, got, session.EUNAUTHORIZED)
	}
}
