package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
)

// The verified-token cache, docs/design.md §7: "Caches, per container: the
// outcome of a verified token, keyed by a hash of the whole token, until
// its exp (with the 60 s leeway a fresh check allows) and at most 5
// minutes of wall-clock time (a clock stepped back to
// before it was kept ends it), bounded and least-recently-used, with
// exp/nbf/iat still checked on every use (as API Gateway caches an authorizer's
// answer) and the token's key still in the key set in hand".

// testClock is a settable clock for one verifier.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Set(t time.Time)         { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newCachingVerifier(t *testing.T, iss *devtoken.Issuer, clock *testClock, entries int) (*auth.JWTVerifier, *jwksServer) {
	t.Helper()
	jwks := newJWKSServer(t, iss.JWKS())
	return auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now, CacheEntries: entries}), jwks
}

// TestReplayWithinTheWindowSkipsTheSignature: the second and later uses of
// a verified token within 5 minutes cost no signature check; after 5
// minutes, by the wall clock, the token is verified again. The 5 minutes
// are docs/design.md §7's ("until its exp and at most 5 minutes of
// wall-clock time"), not auth.TokenCacheMaxAge: measured by the constant,
// the test passed with it raised to 6 minutes (r75-mut-auth).
func TestReplayWithinTheWindowSkipsTheSignature(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	clock := &testClock{now: time.Now()}
	v, _ := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read", "sessions:write"}})
	first, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	for i := 0; i < 10; i++ {
		clock.Advance(20 * time.Second)
		p, err := v.Verify(ctx, tok)
		if err != nil || p.MerchantID != first.MerchantID || p.Subject != first.Subject || len(p.Scopes) != 2 {
			t.Fatalf("replay %d: Verify() = %+v, %v; want %+v", i, p, err, first)
		}
		p.Scopes[0], p.MerchantID = "apikeys:write", "m-2" // a caller's change must not reach the cache
	}
	if got := auth.SignatureChecks(v); got != 1 {
		t.Errorf("signature checks for 11 uses within 200 s: got %d; want 1", got)
	}
	if p, _ := v.Verify(ctx, tok); p.MerchantID != "m-1" || p.Scopes[0] != "sessions:read" {
		t.Errorf("cached principal after callers changed theirs: got %+v; want m-1 with sessions:read", p)
	}
	clock.Advance(5*time.Minute - 200*time.Second)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() after 5 minutes = %v", err)
	}
	if got := auth.SignatureChecks(v); got != 2 {
		t.Errorf("signature checks after 5 minutes: got %d; want 2 (verified again)", got)
	}
	// The signature's bytes are part of the key: another spelling, or
	// another token, is a miss.
	if _, err := v.Verify(ctx, tok+"="); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Errorf("Verify(token + \"=\") = %v; want %s", err, session.EUNAUTHORIZED)
	}

	// Ages are wall-clock ages: a container frozen for 6 minutes, whose
	// monotonic clock did not move, verifies the token again.
	base := time.Now()
	clock.Set(base)
	tok2 := iss.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v.Verify(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	checks := auth.SignatureChecks(v)
	clock.Set(frozen(t, base, 6*time.Minute))
	if _, err := v.Verify(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if got := auth.SignatureChecks(v); got != checks+1 {
		t.Errorf("after 6 frozen minutes: signature checks %d; want %d (the entry is 6 minutes old by the wall clock)", got, checks+1)
	}
}

// TestCachedTokenIsStillTimeChecked: exp, nbf and iat are checked against
// the clock on every use, cached or not.
func TestCachedTokenIsStillTimeChecked(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	start := time.Now()
	clock := &testClock{now: start}
	v, _ := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()

	expiring := iss.MustMint(devtoken.Claims{MerchantID: "m-1", IssuedAt: start.Add(-time.Hour), Expires: start.Add(2 * time.Minute)})
	if _, err := v.Verify(ctx, expiring); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	clock.Set(start.Add(2*time.Minute + auth.MaxSkew - time.Second))
	if _, err := v.Verify(ctx, expiring); err != nil {
		t.Fatalf("within exp's leeway: Verify() = %v", err)
	}
	if got := auth.SignatureChecks(v); got != 1 {
		t.Fatalf("signature checks: got %d; want 1 (cached)", got)
	}
	clock.Set(start.Add(2*time.Minute + auth.MaxSkew))
	if _, err := v.Verify(ctx, expiring); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Errorf("past exp + leeway, cached 3 minutes ago: Verify() = %v; want %s", err, session.EUNAUTHORIZED)
	}

	// nbf and iat within the leeway when verified; then the clock steps
	// back: refused, cache or not.
	clock.Set(start)
	early := iss.MustMint(devtoken.Claims{MerchantID: "m-1", IssuedAt: start.Add(30 * time.Second), NotBefore: start.Add(30 * time.Second)})
	if _, err := v.Verify(ctx, early); err != nil {
		t.Fatalf("nbf within the leeway: Verify() = %v", err)
	}
	clock.Set(start.Add(-time.Minute))
	if _, err := v.Verify(ctx, early); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Errorf("clock back before nbf - leeway: Verify() = %v; want %s", err, session.EUNAUTHORIZED)
	}
}

// TestFailedTokenIsNotCached: a token refused (wrong audience; or while the
// JWKS is down) is checked again on every use, and one refused for
// unavailability is accepted once the JWKS is back.
func TestFailedTokenIsNotCached(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA())
	clock := &testClock{now: time.Now()}
	v, jwks := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()
	wrong := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Audience: "another-api"})
	for i := 1; i <= 3; i++ {
		if _, err := v.Verify(ctx, wrong); session.ErrorCode(err) != session.EUNAUTHORIZED {
			t.Fatalf("Verify(wrong audience) = %v; want %s", err, session.EUNAUTHORIZED)
		}
		if got := auth.SignatureChecks(v); got != int64(i) {
			t.Errorf("signature checks after %d refusals: got %d; want %d (never cached)", i, got, i)
		}
	}
	if n := auth.TokenCacheLen(v); n != 0 {
		t.Errorf("cache entries after refusals: got %d; want 0", n)
	}

	down := newIssuer(t, jwa.EdDSA())
	jwks2 := newJWKSServer(t, down.JWKS())
	jwks2.down.Store(true)
	v2 := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks2.URL, Issuer: issuer, Audience: audience, Now: clock.Now})
	tok := down.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v2.Verify(ctx, tok); session.ErrorCode(err) != session.EUNAVAILABLE {
		t.Fatalf("Verify() with the JWKS down = %v; want %s", err, session.EUNAVAILABLE)
	}
	jwks2.down.Store(false)
	clock.Advance(11 * time.Second)
	if _, err := v2.Verify(ctx, tok); err != nil {
		t.Errorf("Verify() with the JWKS back = %v; want it verified", err)
	}
	_ = jwks
}

// TestTokenCacheIsBounded: a flood of distinct valid tokens cannot grow
// the cache past its bound; the least recently used entry goes, so a token
// in use stays cached through the flood.
func TestTokenCacheIsBounded(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	clock := &testClock{now: time.Now()}
	const bound = 64
	v, _ := newCachingVerifier(t, iss, clock, bound)
	ctx := context.Background()
	inUse := iss.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v.Verify(ctx, inUse); err != nil {
		t.Fatal(err)
	}
	var firstOfFlood string
	for i := 0; i < 10*bound; i++ {
		tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Subject: "flood"})
		if i == 0 {
			firstOfFlood = tok
		}
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if n := auth.TokenCacheLen(v); n > bound {
			t.Fatalf("cache entries after %d tokens: got %d; want at most %d", i+1, n, bound)
		}
		if i%(bound/4) == 0 {
			if _, err := v.Verify(ctx, inUse); err != nil {
				t.Fatal(err)
			}
		}
	}
	checks := auth.SignatureChecks(v)
	if _, err := v.Verify(ctx, inUse); err != nil || auth.SignatureChecks(v) != checks {
		t.Errorf("the token in use through the flood: %v, %d signature checks; want cached (%d)", err, auth.SignatureChecks(v), checks)
	}
	if _, err := v.Verify(ctx, firstOfFlood); err != nil || auth.SignatureChecks(v) != checks+1 {
		t.Errorf("the flood's first token: %v, %d signature checks; want verified again (%d): evicted", err, auth.SignatureChecks(v), checks+1)
	}
	if auth.DefaultTokenCacheEntries <= 0 || auth.DefaultTokenCacheEntries > 10_000 {
		t.Errorf("DefaultTokenCacheEntries = %d; want a bound between 1 and 10,000", auth.DefaultTokenCacheEntries)
	}
}

// TestCachedTokenNeedsItsKeyInTheSet: a cached outcome stands only while
// the key set in hand holds the key that checked the token's signature.
// Once the container has fetched a set without that key (removed, or its
// kid reused for another key), the cached token is verified again and
// refused, not served for the rest of its 5 minutes; a set fetched again
// with the same keys keeps it cached.
func TestCachedTokenNeedsItsKeyInTheSet(t *testing.T) {
	a, b, other := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.ES256()), newIssuer(t, jwa.ES256())
	// reused is b's key published under a's kid.
	reused := bytes.Replace(b.JWKS(), []byte(kidOf(t, b)), []byte(kidOf(t, a)), 1)
	for _, tc := range []struct {
		name   string
		newSet []byte
		wantOK bool
	}{
		{"the same keys fetched again", mergeSets(t, a, b), true},
		{"its key removed", b.JWKS(), false},
		{"its kid now names another key", reused, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{now: time.Now()}
			jwks := newJWKSServer(t, mergeSets(t, a, b))
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now})
			ctx := context.Background()
			tok := a.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify() = %v", err)
			}
			// The provider changes its set; a token naming an unknown
			// kid makes the container fetch it (past the 10 s gap).
			jwks.set(tc.newSet)
			clock.Advance(11 * time.Second)
			if _, err := v.Verify(ctx, other.MustMint(devtoken.Claims{MerchantID: "m-1"})); session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Fatalf("Verify(unknown kid) = %v; want %s", err, session.EUNAUTHORIZED)
			}
			if got := jwks.fetches.Load(); got != 2 {
				t.Fatalf("JWKS fetches: got %d; want 2", got)
			}
			checks := auth.SignatureChecks(v)
			_, err := v.Verify(ctx, tok)
			if tc.wantOK {
				if err != nil || auth.SignatureChecks(v) != checks {
					t.Errorf("cached token, key still in the set: Verify() = %v after %d signature checks; want it served from the cache (%d)", err, auth.SignatureChecks(v), checks)
				}
				return
			}
			if session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("cached token, 11 s old, key no longer in the set: Verify() = %v; want %s", err, session.EUNAUTHORIZED)
			}
		})
	}
}

// kidOf is the kid of iss's one key.
func kidOf(t *testing.T, iss *devtoken.Issuer) string {
	t.Helper()
	var s struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &s); err != nil || len(s.Keys) != 1 || s.Keys[0].Kid == "" {
		t.Fatalf("JWKS %s: want one key with a kid (%v)", iss.JWKS(), err)
	}
	return s.Keys[0].Kid
}

// TestCachedTokensKeepTheKeySetFresh: JWKSMaxAge, "the first request after
// that starts a fetch in the background ... so a key the provider removed
// stops verifying within about this time". A container serving one cached
// token used to fetch nothing while every use hit the cache, then verify
// the token again with the old set when its entry ran out and cache it
// another 5 minutes: the removed key lived about 15 minutes. A use served
// by the cache also starts the background fetch once the set is old, and
// the fetched set without the key ends the cached token.
func TestCachedTokensKeepTheKeySetFresh(t *testing.T) {
	a, b := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.ES256())
	start := time.Now()
	clock := &testClock{now: start}
	v, jwks := newCachingVerifier(t, a, clock, 0)
	ctx := context.Background()
	if _, err := v.Verify(ctx, a.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	// 6 minutes later a token is verified and cached until 11 minutes;
	// then the provider replaces its key.
	clock.Set(start.Add(6 * time.Minute))
	tok := a.MustMint(devtoken.Claims{MerchantID: "m-1"})
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	jwks.set(b.JWKS())
	clock.Set(start.Add(auth.JWKSMaxAge + time.Second))
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() when the set is old = %v; want the set in hand used meanwhile", err)
	}
	waitFor(t, "a background fetch started by a cached token's use", 10*time.Second, func() bool { return jwks.fetches.Load() == 2 })
	waitFor(t, "the cached token of the removed key to be refused", 10*time.Second, func() bool {
		_, err := v.Verify(ctx, tok)
		return session.ErrorCode(err) == session.EUNAUTHORIZED
	})
}

// TestTokenCacheMemoryIsBounded: "a flood of distinct tokens cannot grow
// memory past the bound" (issue 14), in bytes as well as entries. Each
// token here is valid, signed by the issuer, and as large as the verifier
// takes (8 KB), with 700 short scopes: before, its entry kept every scope
// (a 16-byte string header each) and the whole scope claim, 19,820 bytes an
// entry measured, 81 MB for a full default cache. The heap a full cache holds,
// measured after a garbage collection, stays within
// auth.TokenCacheEntryBytes an entry, for large tokens and for ordinary
// ones alike.
//
// Its tokens are verified one after another, and most of its CPU under the
// detector went to the detector (9 s, against 1.3 s without): it runs in
// make test's pass without it (racemode). Its concurrency (the verifier's
// JWKS fetch and the test's JWKS server, the cache filled and evicting) is
// checked under the detector by TestTokenCacheUnderConcurrency and
// TestHostileTokensUnderConcurrency.
func TestTokenCacheMemoryIsBounded(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	iss := newIssuer(t, jwa.ES256())
	clock := &testClock{now: time.Now()}
	ctx := context.Background()
	var fields []string
	for i := 0; len(strings.Join(fields, " ")) < 4800; i++ {
		fields = append(fields, fmt.Sprintf("x:%d", i))
	}
	large := devtoken.Claims{MerchantID: "m-1", Subject: strings.Repeat("s", 800), Scopes: append([]string{"sessions:read"}, fields...)}
	ordinary := devtoken.Claims{MerchantID: "m-1", Subject: "client-7f3a", Scopes: []string{"sessions:read", "sessions:write"}}
	// The largest a cached entry gets: 1.9 KB of principal.
	cacheable := devtoken.Claims{MerchantID: "m-1", Subject: strings.Repeat("s", 800), Scopes: []string{"sessions:read"}}
	for i := len(cacheable.Scopes); i < 30; i++ {
		cacheable.Scopes = append(cacheable.Scopes, fmt.Sprintf("sessions:scope-%02d", i))
	}
	for _, c := range []struct {
		name   string
		claims devtoken.Claims
		cached bool
	}{{"large tokens", large, false}, {"the largest cached tokens", cacheable, true}, {"ordinary tokens", ordinary, true}} {
		t.Run(c.name, func(t *testing.T) {
			const bound = 256
			v, _ := newCachingVerifier(t, iss, clock, bound)
			if _, err := v.Verify(ctx, iss.MustMint(ordinary)); err != nil { // the key set in hand
				t.Fatal(err)
			}
			before := heapInUse()
			for i := 0; i < 2*bound; i++ {
				claims := c.claims
				claims.Subject += fmt.Sprintf("-%d", i)
				tok := iss.MustMint(claims)
				if len(tok) > 8<<10 {
					t.Fatalf("token of %d bytes; want one the verifier takes (8 KB)", len(tok))
				}
				p, err := v.Verify(ctx, tok)
				if err != nil || !p.HasScope("sessions:read") {
					t.Fatalf("Verify() = %+v, %v; want the token accepted with sessions:read", p, err)
				}
			}
			if n := auth.TokenCacheLen(v); n > bound || c.cached && n != bound {
				t.Fatalf("cache entries after the flood: got %d; want %d", n, bound)
			}
			if checks := auth.SignatureChecks(v); checks != 1+2*bound {
				t.Errorf("signature checks: got %d; want %d (a new token each time)", checks, 1+2*bound)
			}
			per := (heapInUse() - before) / bound
			t.Logf("%s: %d bytes an entry (%d entries)", c.name, per, auth.TokenCacheLen(v))
			if per > auth.TokenCacheEntryBytes {
				t.Errorf("%s: the full cache holds %d bytes an entry; want at most %d", c.name, per, auth.TokenCacheEntryBytes)
			}
			runtime.KeepAlive(v)
		})
	}
}

// heapInUse is the live heap after a garbage collection.
func heapInUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestTokenCacheUnderConcurrency: many requests at once, each verifying
// tokens that hit, miss and evict one another in a small cache, all get
// their own token's principal (run with -race).
func TestTokenCacheUnderConcurrency(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA())
	clock := &testClock{now: time.Now()}
	v, _ := newCachingVerifier(t, iss, clock, 8)
	ctx := context.Background()
	toks := make([]string, 24)
	for i := range toks {
		toks[i] = iss.MustMint(devtoken.Claims{MerchantID: fmt.Sprintf("m-%d", i), Scopes: []string{"sessions:read"}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 200 {
				i := (g*7 + n) % len(toks)
				p, err := v.Verify(ctx, toks[i])
				if err != nil || p.MerchantID != fmt.Sprintf("m-%d", i) || !p.HasScope("sessions:read") {
					errs <- fmt.Errorf("token %d: Verify() = %+v, %v; want merchant m-%d", i, p, err, i)
					return
				}
				p.Scopes[0], p.MerchantID = "apikeys:write", "m-x" // a caller's change must not reach the cache
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := auth.TokenCacheLen(v); n > 8 {
		t.Errorf("cache entries: got %d; want at most 8", n)
	}
}

// TestNotYetValidTokenIsNotCached: a token whose nbf is further ahead than
// the leeway is refused, and not kept: once its nbf comes it is verified
// (a signature check) and accepted; refused again when the clock steps
// back before nbf - leeway, though now cached.
func TestNotYetValidTokenIsNotCached(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	start := time.Now()
	clock := &testClock{now: start}
	v, _ := newCachingVerifier(t, iss, clock, 0)
	ctx := context.Background()
	nbf := start.Add(auth.MaxSkew + time.Minute)
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", IssuedAt: start, NotBefore: nbf, Expires: start.Add(time.Hour)})
	for range 2 {
		if _, err := v.Verify(ctx, tok); session.ErrorCode(err) != session.EUNAUTHORIZED {
			t.Fatalf("Verify(nbf 2 minutes ahead) = %v; want %s", err, session.EUNAUTHORIZED)
		}
	}
	if n := auth.TokenCacheLen(v); n != 0 {
		t.Errorf("cache entries after refusals: got %d; want 0", n)
	}
	clock.Set(nbf.Add(-auth.MaxSkew))
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify() at nbf - leeway = %v; want accepted", err)
	}
	if got := auth.SignatureChecks(v); got != 3 {
		t.Errorf("signature checks: got %d; want 3 (each refusal, then the acceptance)", got)
	}
	clock.Set(nbf.Add(-auth.MaxSkew - time.Second))
	if _, err := v.Verify(ctx, tok); session.ErrorCode(err) != session.EUNAUTHORIZED {
		t.Errorf("Verify() cached, the clock back before nbf - leeway = %v; want %s", err, session.EUNAUTHORIZED)
	}
}

// TestCachedTokenTimeBoundaries: "exp/nbf still checked on every use"
// (docs/design.md §7), and timely says it judges "as
// jwx's validation would". Each claim is pinned alone, at the exact instant
// jwx's answer changes: a cached token is refused at that instant when jwx
// refuses it, and one jwx accepts is served from the cache (no second
// signature check). A cached answer more lenient than jwx's is a token
// the service accepts that it would refuse afresh. TestCachedTokenIsStillTimeChecked
// steps the clock back past nbf and iat together and never reaches exp's
// exact end, so the iat check alone, or exp's boundary, could go unnoticed.
func TestCachedTokenTimeBoundaries(t *testing.T) {
	start := time.Now().Truncate(time.Second) // claims are whole seconds
	exp := start.Add(2 * time.Minute)
	ahead := start.Add(30 * time.Second) // within the leeway at start
	tests := []struct {
		name   string
		claims devtoken.Claims
		at     time.Time // the clock at the cached use
		ok     bool
	}{
		{"exp: last instant within the leeway", devtoken.Claims{IssuedAt: start, Expires: exp}, exp.Add(auth.MaxSkew - time.Nanosecond), true},
		{"exp: at exp + leeway", devtoken.Claims{IssuedAt: start, Expires: exp}, exp.Add(auth.MaxSkew), false},
		{"iat alone: at iat - leeway", devtoken.Claims{IssuedAt: ahead, Expires: exp}, ahead.Add(-auth.MaxSkew), true},
		{"iat alone: just before iat - leeway", devtoken.Claims{IssuedAt: ahead, Expires: exp}, ahead.Add(-auth.MaxSkew - time.Nanosecond), false},
		{"nbf alone: at nbf - leeway", devtoken.Claims{IssuedAt: start.Add(-time.Hour), NotBefore: ahead, Expires: exp}, ahead.Add(-auth.MaxSkew), true},
		{"nbf alone: just before nbf - leeway", devtoken.Claims{IssuedAt: start.Add(-time.Hour), NotBefore: ahead, Expires: exp}, ahead.Add(-auth.MaxSkew - time.Nanosecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, jwa.ES256())
			clock := &testClock{now: start}
			v, _ := newCachingVerifier(t, iss, clock, 0)
			ctx := context.Background()
			tt.claims.MerchantID = "m-1"
			tok := iss.MustMint(tt.claims)
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify() at start = %v", err)
			}
			clock.Set(tt.at)
			_, err := v.Verify(ctx, tok)
			if got := err == nil; got != tt.ok {
				t.Errorf("cached Verify() = %v: got accepted %v; want %v", err, got, tt.ok)
			}
			if !tt.ok && session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("cached Verify() = %v; got code %q; want %s", err, session.ErrorCode(err), session.EUNAUTHORIZED)
			}
			// A use at a wall-clock time before the entry was cached (the
			// iat and nbf rows step the clock back to reach their
			// boundary) is verified again, not served from the cache
			// (TestTokenCacheAgeIsAWallClockAgeNeverNegative).
			want := int64(1)
			if tt.at.Before(start) {
				want = 2
			}
			if got := auth.SignatureChecks(v); tt.ok && got != want {
				t.Errorf("signature checks: got %d; want %d", got, want)
			}
			// The oracle: a verifier without the token in its cache.
			fresh, _ := newCachingVerifier(t, iss, &testClock{now: tt.at}, 0)
			if _, ferr := fresh.Verify(ctx, tok); (ferr == nil) != tt.ok {
				t.Errorf("fresh Verify() = %v: got accepted %v; want %v (jwx's answer)", ferr, ferr == nil, tt.ok)
			}
		})
	}
}

// TestTokenCacheAgeIsAWallClockAgeNeverNegative: an entry is used "at most
// 5 minutes" (docs/design.md §7) by the wall clock, as the API-key cache's
// 30 s is. A wall clock stepped back (an NTP correction, a sandbox's clock
// set after a thaw) makes an entry's age negative, which says nothing of
// how long it has been kept: the entry is not trusted, as the API-key
// cache does not trust a key fetched "in the future", and the token is
// verified again. Before, an entry was kept while now < its end, so a
// step back of an hour kept it for an hour and 5 minutes.
func TestTokenCacheAgeIsAWallClockAgeNeverNegative(t *testing.T) {
	start := time.Now()
	for _, back := range []time.Duration{time.Second, 10 * time.Minute, time.Hour} {
		t.Run(back.String(), func(t *testing.T) {
			iss := newIssuer(t, jwa.ES256())
			clock := &testClock{now: start}
			v, _ := newCachingVerifier(t, iss, clock, 0)
			ctx := context.Background()
			tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", IssuedAt: start.Add(-2 * time.Hour), Expires: start.Add(2 * time.Hour)})
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify() at start = %v", err)
			}
			clock.Set(start.Add(-back))
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify() after the clock stepped back %v = %v; want it verified", back, err)
			}
			if got, want := auth.SignatureChecks(v), int64(2); got != want {
				t.Errorf("signature checks after the clock stepped back %v: got %d; want %d (verified again)", back, got, want)
			}
			// Cached again at the new time, and used from then on.
			clock.Advance(time.Minute)
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if got, want := auth.SignatureChecks(v), int64(2); got != want {
				t.Errorf("signature checks a minute later: got %d; want %d (served from the cache)", got, want)
			}
		})
	}
}
