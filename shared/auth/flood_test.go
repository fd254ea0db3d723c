package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
)

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHostileTokenFloodLeavesNoState: a warm container verifies every
// bearer token an attacker sends, and whatever a refused token leaves
// behind (a cache entry, a remembered kid or alg, a fetch) stays until the
// container dies. Floods of distinct refused tokens (made-up kids, made-up
// algorithms, forged signatures under the real kid, garbage) cost no cache
// entry and no heap that grows with the flood: the heap after 40,000 more
// is within 512 KB of the heap after the first 4,000.
//
// The flood is one request after another, and most of its CPU under the
// detector went to the detector (29 s, against 6 s without): it runs in
// make test's pass without it (racemode). Its concurrency (the verifier's
// JWKS fetch and the test's JWKS server, the verified-token cache, hostile
// tokens refused while refreshes run and valid tokens hit the cache) is
// checked under the detector by TestHostileTokensUnderConcurrency and
// TestTokenCacheUnderConcurrency.
func TestHostileTokenFloodLeavesNoState(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	iss := newIssuer(t, jwa.RS256())
	v, _ := newCachingVerifier(t, iss, &testClock{now: time.Now()}, 0)
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatal(err)
	}
	payload := b64(map[string]any{"iss": issuer, "aud": audience, "sub": "s", "merchant_id": "m-1", "exp": time.Now().Add(time.Hour).Unix()})
	sig := make([]byte, 256)
	flood := func(from, n int) {
		for i := from; i < from+n; i++ {
			if _, err := v.Verify(ctx, hostileToken(iss, payload, sig, i)); err == nil {
				t.Fatalf("hostile token %d verified", i)
			}
		}
	}
	flood(0, 4000)
	before := liveHeap()
	flood(4000, 40000)
	after := liveHeap()
	t.Logf("heap after 4,000 hostile tokens %d B, after 40,000 more %d B", before, after)
	if after > before+512<<10 {
		t.Errorf("heap grew by %d B over 40,000 refused tokens; want at most 512 KB", after-before)
	}
	if n := auth.TokenCacheLen(v); n != 1 {
		t.Errorf("cache entries after the flood got %d; want 1 (the one valid token)", n)
	}
}

// hostileToken is the i-th of a flood's refused tokens, in turn: a made-up
// kid, a made-up algorithm under the real kid, a forged signature under
// the real kid (a header member of its own, so each token is new), and
// garbage. Its signature is random, drawn into sig (one buffer a
// goroutine).
func hostileToken(iss *devtoken.Issuer, payload string, sig []byte, i int) string {
	_, _ = rand.Read(sig)
	s := base64.RawURLEncoding.EncodeToString(sig)
	switch i % 4 {
	case 0:
		return b64(map[string]any{"alg": "RS256", "kid": fmt.Sprintf("made-up-%d", i)}) + "." + payload + "." + s
	case 1:
		return b64(map[string]any{"alg": fmt.Sprintf("X%d", i), "kid": iss.KeyID}) + "." + payload + "." + s
	case 2:
		return b64(map[string]any{"alg": "RS256", "kid": iss.KeyID, fmt.Sprintf("h%d", i): i}) + "." + payload + "." + s
	}
	return fmt.Sprintf("%x.%s.%s", i, payload, s)
}

// TestHostileTokensUnderConcurrency: TestHostileTokenFloodLeavesNoState's
// flood, smaller and from several requests at once, each also using valid
// tokens, while the clock moves on: past the refresh gap, so that made-up
// kids start JWKS fetches that other requests wait for or run beside, and
// once past JWKSMaxAge, so that a cache hit starts one in the background
// and the cached tokens age out and are verified afresh; the set has a key
// each fetch skips. Every hostile
// token is refused with 401, every valid one gets its own principal, and
// the cache holds the valid tokens only.
func TestHostileTokensUnderConcurrency(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	clock := &testClock{now: time.Now()}
	v, jwks := newCachingVerifier(t, iss, clock, 0)
	jwks.set(withKeys(t, iss, `{"kty":"foo","kid":"unusable"}`)) // each fetch skips a key (logged once)
	ctx := context.Background()
	payload := b64(map[string]any{"iss": issuer, "aud": audience, "sub": "s", "merchant_id": "m-1", "exp": time.Now().Add(time.Hour).Unix()})
	valid := make([]string, 4)
	for i := range valid {
		valid[i] = iss.MustMint(devtoken.Claims{MerchantID: fmt.Sprintf("m-%d", i)})
	}
	const workers, each = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			sig := make([]byte, 256)
			for n := range each {
				switch {
				case g == 0 && n == each/2:
					clock.Advance(auth.JWKSMaxAge)
				case n%10 == 5:
					clock.Advance(11 * time.Second) // past the refresh gap
				}
				i := g*each + n
				if _, err := v.Verify(ctx, hostileToken(iss, payload, sig, i)); session.ErrorCode(err) != session.EUNAUTHORIZED {
					errs <- fmt.Errorf("hostile token %d: Verify() = %v; want %s", i, err, session.EUNAUTHORIZED)
					return
				}
				k := i % len(valid)
				if p, err := v.Verify(ctx, valid[k]); err != nil || p.MerchantID != fmt.Sprintf("m-%d", k) {
					errs <- fmt.Errorf("valid token %d: Verify() = %+v, %v; want merchant m-%d", k, p, err, k)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := auth.TokenCacheLen(v); n > len(valid) {
		t.Errorf("cache entries after the flood: got %d; want at most %d (the valid tokens)", n, len(valid))
	}
	if n := jwks.fetches.Load(); n < 2 {
		t.Errorf("JWKS fetches: got %d; want a refresh during the flood", n)
	}
}
