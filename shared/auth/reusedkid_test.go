package auth_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestNewKeyUnderAKnownKidWaitsForTheNextFetch: README, "Auth": "only a
// kid the set in hand lacks starts that fetch: a provider that publishes a
// new key under a kid the set already names has that key's tokens refused
// (401) by a container until its next fetch (the 10-minute background one,
// or one a token of an unknown kid starts), while the old key's tokens still
// verify there". r97-authz measured it live on both local servers (a JWKS
// whose kid was given a new key: the new key's tokens 401 for 11 s and more,
// the old key's 200).
func TestNewKeyUnderAKnownKidWaitsForTheNextFetch(t *testing.T) {
	oldKey, newKey := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.ES256())
	newKidSet := bytes.Replace(newKey.JWKS(), []byte(newKey.KeyID), []byte(oldKey.KeyID), 1)
	newKey.KeyID = oldKey.KeyID // the provider signs with the new key under the old kid
	start := time.Now()
	clock := &testClock{now: start}
	v, jwks := newCachingVerifier(t, oldKey, clock, 0)
	ctx := context.Background()
	claims := devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}}
	if _, err := v.Verify(ctx, oldKey.MustMint(claims)); err != nil {
		t.Fatalf("Verify(old key's token) = %v; want nil", err)
	}
	jwks.set(newKidSet)
	newTok := newKey.MustMint(claims)
	for _, after := range []time.Duration{11 * time.Second, 5 * time.Minute} {
		clock.Set(start.Add(after))
		if _, err := v.Verify(ctx, newTok); session.ErrorCode(err) != session.EUNAUTHORIZED {
			t.Errorf("%v after the set changed: Verify(new key's token) = %v; want %s", after, err, session.EUNAUTHORIZED)
		}
		if _, err := v.Verify(ctx, oldKey.MustMint(claims)); err != nil {
			t.Errorf("%v after the set changed: Verify(old key's fresh token) = %v; want nil (the set in hand)", after, err)
		}
		if got := jwks.fetches.Load(); got != 1 {
			t.Fatalf("%v after the set changed: JWKS fetches got %d; want 1 (a known kid starts none)", after, got)
		}
	}
	clock.Set(start.Add(auth.JWKSMaxAge + time.Second))
	_, _ = v.Verify(ctx, newTok) // the set in hand is old: this use starts the background fetch
	waitFor(t, "the background fetch of the old set", 10*time.Second, func() bool { return jwks.fetches.Load() == 2 })
	waitFor(t, "the new key's token to verify after that fetch", 10*time.Second, func() bool {
		_, err := v.Verify(ctx, newTok)
		return err == nil
	})
}
