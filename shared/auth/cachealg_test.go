package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCacheHitNeedsTheKeysAlgAsVerified: a cached token is served only
// while the key set in hand holds its key under its kid with the alg the
// key had when the token was verified, not only the same key by value. A
// key whose alg changed is verified afresh, which refuses a token of
// another alg ("key is for ..."), as it would have without the cache.
// Defence in depth: no key set usable() builds can publish one key under
// two accepted algs today, as each accepted alg fits one key type, so the
// sets are stored directly.
func TestCacheHitNeedsTheKeysAlgAsVerified(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var none jwa.SignatureAlgorithm
	const (
		hit     = "a cache hit"
		afresh  = "verified afresh"
		refused = "refused (401)"
	)
	tests := []struct {
		name     string
		verified jwa.SignatureAlgorithm // the key's alg when the token was verified
		now      jwa.SignatureAlgorithm // its alg in the set in hand at the next use
		want     string                 // the next use
	}{
		{"the same alg", jwa.EdDSA(), jwa.EdDSA(), hit},
		{"none then and now", none, none, hit},
		{"another alg now", jwa.EdDSA(), jwa.ES256(), refused},
		{"another alg now, none then", none, jwa.ES256(), refused},
		{"none now", jwa.EdDSA(), none, afresh},
		{"one now, none then", none, jwa.EdDSA(), afresh},
	}
	for _, tt := range tests {
		v := NewJWTVerifier(JWTConfig{JWKSURL: fuzzJWKSURL, Issuer: fuzzIssuer, Audience: fuzzAudience})
		tok := fuzzToken(t, fuzzSigner{alg: jwa.EdDSA(), priv: priv}, "k", time.Now().Add(time.Hour))
		v.set.Store(&keySet{keys: map[string]verifyKey{"k": {alg: tt.verified, raw: pub}}, fetched: v.wallNow()})
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatalf("%s: first Verify() = %v; want verified", tt.name, err)
		}
		// The set fetched again: the same key, exported afresh.
		again := make(ed25519.PublicKey, len(pub))
		copy(again, pub)
		v.set.Store(&keySet{keys: map[string]verifyKey{"k": {alg: tt.now, raw: again}}, fetched: v.wallNow()})
		before := v.sigChecks.Load()
		_, err := v.Verify(context.Background(), tok)
		got := hit
		switch {
		case err != nil && session.ErrorCode(err) == session.EUNAUTHORIZED:
			got = refused
		case err != nil:
			got = err.Error()
		case v.sigChecks.Load() != before:
			got = afresh
		}
		if got != tt.want {
			t.Errorf("%s: next use: got %s; want %s", tt.name, got, tt.want)
		}
	}
}
