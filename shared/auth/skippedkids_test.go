package auth_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestSkippedKidsMemoryIsBounded: a skipped key's kid is remembered so the
// key is logged once, and a container remembered up to 1,000 kids whole:
// a key set whose unusable keys change on every fetch, each kid as long as
// the 1 MiB set allows, made a container hold up to ~1 GB for as long as
// it lived. The heap held after 2 fetches of 500 skipped keys with ~2 KiB
// kids each (2 MiB of kids, 1,000 of them: the most a container
// remembers) is within auth.SkippedKidsMaxBytes (256 KiB), the bound
// whatever the kids' lengths: ~150 KB measured, ~2.4 MB before (the kids
// whole).
func TestSkippedKidsMemoryIsBounded(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the set: its token makes the verifier fetch
	jwks := newJWKSServer(t, iss.JWKS())
	clock := &testClock{now: time.Now()}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now})
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatal(err)
	}
	unknown := stranger.MustMint(devtoken.Claims{MerchantID: "m-1"})
	const rounds, perSet = 2, 500
	kidLen := (1<<20 - len(iss.JWKS())) / perSet * 63 / 64 // a set within 1 MiB
	before := heapInUse()
	for r := 0; r < rounds; r++ {
		entries := make([]string, perSet)
		for i := range entries {
			kid := fmt.Sprintf("%d-%d-", r, i) + strings.Repeat("k", kidLen)
			entries[i] = fmt.Sprintf(`{"kty":"foo","kid":%q}`, kid)
		}
		body := withKeys(t, iss, entries...)
		if len(body) > 1<<20 {
			t.Fatalf("key set of %d bytes; want one within 1 MiB (the fetch would fail)", len(body))
		}
		jwks.set(body)
		clock.Advance(11 * time.Second) // past the refresh gap
		if _, err := v.Verify(ctx, unknown); err == nil {
			t.Fatal("a token of a key the set lacks verified")
		}
	}
	if n := jwks.fetches.Load(); n != 1+rounds {
		t.Fatalf("JWKS fetches: got %d; want %d", n, 1+rounds)
	}
	jwks.set(iss.JWKS()) // the server's copy of the last set is not the verifier's
	held := heapInUse() - before
	t.Logf("heap held after %d skipped kids of %d bytes: %d B", rounds*perSet, kidLen, held)
	if held > auth.SkippedKidsMaxBytes {
		t.Errorf("heap held after %d skipped kids of %d bytes: got %d B; want at most %d", rounds*perSet, kidLen, held, auth.SkippedKidsMaxBytes)
	}
	// The good key still verifies: the set in hand is the last one.
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1", Subject: "again"})); err != nil {
		t.Errorf("Verify(token of the good key) = %v; want it verified", err)
	}
	runtime.KeepAlive(v)
}
