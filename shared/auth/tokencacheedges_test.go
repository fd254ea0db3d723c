package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestCachedUseStartsTheFetchAtTenMinutesExactly: README, Auth: the set is
// fetched again "in the background, once it is 10 minutes old", and "Uses
// served from the cache also start the 10-minute background fetch". A use
// served from the cache when the set is exactly JWKSMaxAge old starts it
// (TestCachedTokensKeepTheKeySetFresh looks a second later).
func TestCachedUseStartsTheFetchAtTenMinutesExactly(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	start := time.Now()
	clock := &testClock{now: start}
	v, jwks := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	clock.Set(start.Add(6 * time.Minute)) // cached until 11 minutes
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	checks := auth.SignatureChecks(v)
	clock.Set(start.Add(auth.JWKSMaxAge))
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() when the set is 10 minutes old = %v", err)
	}
	if got := auth.SignatureChecks(v); got != checks {
		t.Fatalf("signature checks: got %d; want %d (the use served from the cache)", got, checks)
	}
	waitFor(t, "a background fetch started by a cached use at 10 minutes", 10*time.Second, func() bool { return jwks.fetches.Load() == 2 })
}

// TestNegativeCacheEntriesCachesNothing: JWTConfig.CacheEntries, "a
// negative number no cache": every use of a token checks its signature
// (the benchmarks and fuzz targets that set it measure the check itself).
func TestNegativeCacheEntriesCachesNothing(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	clock := &testClock{now: time.Now()}
	v, _ := newCachingVerifier(t, iss, clock, -1)
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1"})
	for i := 1; i <= 3; i++ {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatalf("Verify() = %v", err)
		}
		if got := auth.SignatureChecks(v); got != int64(i) {
			t.Errorf("signature checks after use %d: got %d; want %d", i, got, i)
		}
	}
	if got := auth.TokenCacheLen(v); got != 0 {
		t.Errorf("cached tokens: got %d; want 0", got)
	}
}

// TestCachedUseRefetchesASetFetchedInTheFuture: a set fetched "in the
// future" (the wall clock stepped back past the fetch) is fetched again,
// README, Auth: a cached token is served "only while the set in hand still
// holds the key that checked it" and "Uses served from the cache also
// start the 10-minute background fetch": the set's age, negative, says
// nothing of how old it is. Here a token is cached, the set is fetched
// again after it (a token of an unknown kid), and the clock steps back
// between the two: the entry is still fresh, the set is from the future.
func TestCachedUseRefetchesASetFetchedInTheFuture(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the set
	start := time.Now()
	clock := &testClock{now: start}
	v, jwks := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v.Verify(ctx, tok); err != nil { // fetch 1; cached at start
		t.Fatalf("Verify() = %v", err)
	}
	clock.Set(start.Add(2 * time.Minute))
	if _, err := v.Verify(ctx, stranger.MustMint(devtoken.Claims{MerchantID: "m-1"})); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Fatalf("Verify(a token of an unknown kid) = %v; want %q", err, session.EUNAUTHORIZED)
	}
	if got := jwks.fetches.Load(); got != 2 {
		t.Fatalf("JWKS fetches: got %d; want 2", got)
	}
	clock.Set(start.Add(time.Minute)) // after the entry was cached, before the set was fetched
	checks := auth.SignatureChecks(v)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() after the clock stepped back = %v", err)
	}
	if got := auth.SignatureChecks(v); got != checks {
		t.Fatalf("signature checks: got %d; want %d (the use served from the cache)", got, checks)
	}
	waitFor(t, "a fetch started by a cached use of a set from the future", 10*time.Second, func() bool { return jwks.fetches.Load() == 3 })
}
