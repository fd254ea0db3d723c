package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
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
func TestHostileTokenFloodLeavesNoState(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	v, _ := newCachingVerifier(t, iss, &testClock{now: time.Now()}, 0)
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatal(err)
	}
	payload := b64(map[string]any{"iss": issuer, "aud": audience, "sub": "s", "merchant_id": "m-1", "exp": time.Now().Add(time.Hour).Unix()})
	sig := make([]byte, 256)
	hostile := func(i int) string {
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
	flood := func(from, n int) {
		for i := from; i < from+n; i++ {
			if _, err := v.Verify(ctx, hostile(i)); err == nil {
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
