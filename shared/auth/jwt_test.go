// Package auth_test tests the authenticator from outside: bearer tokens
// against key sets served by the test, API keys against a store, and the
// caches, refusals, challenges and log lines of both.
package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

const (
	issuer   = "https://issuer.test"
	audience = "paysessions"
)

// jwksServer serves a key set that a test can swap, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	fetches atomic.Int64
	down    atomic.Bool
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	s := &jwksServer{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
}

func newIssuer(t testing.TB, alg jwa.SignatureAlgorithm) *devtoken.Issuer {
	t.Helper()
	i, err := devtoken.New(issuer, audience, alg)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// forge builds a token by hand, for algorithms a proper library refuses to
// produce (none, HMAC with a public key).
func forge(header, claims map[string]any, sign func(string) []byte) string {
	in := b64(header) + "." + b64(claims)
	return in + "." + base64.RawURLEncoding.EncodeToString(sign(in))
}

func TestVerify(t *testing.T) {
	rsaIss := newIssuer(t, jwa.RS256())
	ecIss := newIssuer(t, jwa.ES256())
	edIss := newIssuer(t, jwa.EdDSA())
	other := newIssuer(t, jwa.RS256()) // a key the JWKS does not hold
	jwks := newJWKSServer(t, mergeSets(t, rsaIss, ecIss, edIss))
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})

	good := auth.Principal{Subject: "dev", MerchantID: "m-1", Scopes: []string{"sessions:read", "sessions:write"}, Method: auth.MethodJWT}
	claims := devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read", "sessions:write"}, IssuedAt: now}
	mint := func(i *devtoken.Issuer, change func(*devtoken.Claims)) string {
		c := claims
		if change != nil {
			change(&c)
		}
		return i.MustMint(c)
	}
	rsaPub, _ := x509.MarshalPKIXPublicKey(rsaIss.PublicKey())
	stdClaims := map[string]any{"iss": issuer, "aud": audience, "sub": "x", "exp": now.Add(time.Hour).Unix(), "merchant_id": "m-1", "scope": "sessions:read"}

	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"RS256", mint(rsaIss, nil), true},
		{"ES256", mint(ecIss, nil), true},
		{"EdDSA", mint(edIss, nil), true},
		{"expired within leeway", mint(rsaIss, func(c *devtoken.Claims) { c.Expires = now.Add(-59 * time.Second) }), true},
		{"expired past leeway", mint(rsaIss, func(c *devtoken.Claims) { c.Expires = now.Add(-61 * time.Second) }), false},
		{"nbf within leeway", mint(rsaIss, func(c *devtoken.Claims) { c.NotBefore = now.Add(59 * time.Second) }), true},
		{"nbf in the future", mint(rsaIss, func(c *devtoken.Claims) { c.NotBefore = now.Add(2 * time.Minute) }), false},
		{"wrong issuer", mint(rsaIss, func(c *devtoken.Claims) { c.Issuer = "https://evil.test" }), false},
		{"wrong audience", mint(rsaIss, func(c *devtoken.Claims) { c.Audience = "other" }), false},
		{"unknown key", mint(other, nil), false},
		{"tampered signature", tamper(mint(rsaIss, nil)), false},
		{"tampered claims", swapClaims(mint(rsaIss, nil), map[string]any{"iss": issuer, "aud": audience, "exp": now.Add(time.Hour).Unix(), "merchant_id": "m-2", "scope": "sessions:read"}), false},
		{"alg none", forge(map[string]any{"alg": "none", "kid": rsaIss.KeyID, "typ": "JWT"}, stdClaims, func(string) []byte { return nil }), false},
		{"HS256 with the public key", forge(map[string]any{"alg": "HS256", "kid": rsaIss.KeyID, "typ": "JWT"}, stdClaims, func(in string) []byte {
			m := hmac.New(sha256.New, rsaPub)
			m.Write([]byte(in))
			return m.Sum(nil)
		}), false},
		{"no kid", forge(map[string]any{"alg": "RS256"}, stdClaims, func(string) []byte { return []byte("x") }), false},
		{"garbage", "not-a-token", false},
		{"empty", "", false},
		{"huge", strings.Repeat("a", 9000), false},
		{"bad merchant id", mint(rsaIss, func(c *devtoken.Claims) { c.MerchantID = "m 1#x" }), false},
		{"card-number merchant id", mint(rsaIss, func(c *devtoken.Claims) { c.MerchantID = "4111111111111111" }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.token)
			if !tt.ok {
				if session.ErrorCode(err) != session.EUNAUTHORIZED {
					t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() = %v; want nil", err)
			}
			if p.MerchantID != good.MerchantID || p.Subject != good.Subject || strings.Join(p.Scopes, " ") != strings.Join(good.Scopes, " ") {
				t.Errorf("Verify() = %+v; want %+v", p, good)
			}
		})
	}
}

func TestScpClaim(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	for _, scp := range []any{[]string{"Payment.Read", "user"}, "Payment.Read user"} {
		p, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1", Extra: map[string]any{"scp": scp}}))
		if err != nil || !p.HasScope("Payment.Read") || !p.HasScope("user") {
			t.Errorf("scp %v: Verify() = %+v, %v; want scopes Payment.Read and user", scp, p, err)
		}
	}
}

func TestJWKSFetchedLazilyAndRefreshRateLimited(t *testing.T) {
	first := newIssuer(t, jwa.RS256())
	stranger := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, first.JWKS())
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock})
	if n := jwks.fetches.Load(); n != 0 {
		t.Fatalf("JWKS fetched %d times before the first token; want 0 (no network at start-up)", n)
	}
	if _, err := v.Verify(context.Background(), first.MustMint(devtoken.Claims{IssuedAt: clock()})); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if n := jwks.fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times after the first token; want 1", n)
	}
	flood := func() {
		for i := 0; i < 50; i++ {
			if _, err := v.Verify(context.Background(), stranger.MustMint(devtoken.Claims{IssuedAt: clock()})); session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Fatalf("Verify(unknown kid) = %v; want %s", err, session.EUNAUTHORIZED)
			}
		}
	}
	flood() // within the gap of the first fetch: no refresh at all
	if n := jwks.fetches.Load(); n != 1 {
		t.Errorf("unknown kids right after the first fetch caused %d fetches in all; want 1", n)
	}
	advance(11 * time.Second)
	flood() // past the gap: one refresh for the whole flood
	if n := jwks.fetches.Load(); n != 2 {
		t.Errorf("50 unknown-kid tokens past the gap: %d fetches in all; want 2", n)
	}
}

func TestUnknownKidRefresh(t *testing.T) {
	first := newIssuer(t, jwa.ES256())
	rotated := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, first.JWKS())
	now := time.Now()
	clock := func() time.Time { return now }
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock})
	if _, err := v.Verify(context.Background(), first.MustMint(devtoken.Claims{IssuedAt: now})); err != nil {
		t.Fatal(err)
	}
	jwks.set(rotated.JWKS())
	now = now.Add(11 * time.Second) // past the refresh gap
	if _, err := v.Verify(context.Background(), rotated.MustMint(devtoken.Claims{IssuedAt: now})); err != nil {
		t.Fatalf("Verify(rotated kid) = %v; want accepted after one refresh", err)
	}
	if n := jwks.fetches.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times; want 2 (initial + one refresh)", n)
	}
}

func TestJWKSUnavailableIs503(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA())
	jwks := newJWKSServer(t, iss.JWKS())
	jwks.down.Store(true)
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{}))
	if session.ErrorCode(err) != session.EUNAVAILABLE {
		t.Fatalf("Verify() with JWKS down = %v; want %s", err, session.EUNAVAILABLE)
	}
}

func TestAuthenticateRules(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, iss.JWKS())
	a := auth.New(auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience}), nil)
	read := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	processor := iss.MustMint(devtoken.Claims{Scopes: []string{"sessions:process", "sessions:read"}})
	rule := auth.Rule{Scope: "sessions:read", Bearer: true, Merchant: true}
	tests := []struct {
		name    string
		headers map[string]string
		rule    auth.Rule
		code    session.Code
		reason  string
	}{
		{"valid", map[string]string{"Authorization": "Bearer " + read}, rule, "", ""},
		{"lower-case scheme", map[string]string{"Authorization": "bearer " + read}, rule, "", ""},
		{"no credentials", nil, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		{"basic scheme", map[string]string{"Authorization": "Basic abc"}, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		// A valid token under another scheme is no bearer token (RFC 6750
		// §2.1: "Bearer" then the token); with the scheme unchecked, these
		// rows verified the token.
		{"basic scheme, valid token", map[string]string{"Authorization": "Basic " + read}, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		{"DPoP scheme, valid token", map[string]string{"Authorization": "DPoP " + read}, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		{"scheme Bearer with a suffix, valid token", map[string]string{"Authorization": "Bearers " + read}, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		{"missing scope", map[string]string{"Authorization": "Bearer " + read}, auth.Rule{Scope: "sessions:write", Bearer: true}, session.EFORBIDDEN, session.ReasonInsufficientScope},
		{"no merchant", map[string]string{"Authorization": "Bearer " + processor}, rule, session.EFORBIDDEN, session.ReasonMerchantRequired},
		{"processor without merchant rule", map[string]string{"Authorization": "Bearer " + processor}, auth.Rule{Scope: "sessions:process", Bearer: true}, "", ""},
		{"api key where only JWT", map[string]string{"X-Api-Key": "psk_a_b"}, rule, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
		{"JWT where only API key", map[string]string{"Authorization": "Bearer " + read}, auth.Rule{Scope: "sessions:read", APIKey: true}, session.EUNAUTHORIZED, session.ReasonUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			_, _, err := a.Authenticate(r, tt.rule)
			if session.ErrorCode(err) != tt.code || (tt.reason != "" && session.ErrorReason(err) != tt.reason) {
				t.Fatalf("Authenticate() = %v; want code %q reason %q", err, tt.code, tt.reason)
			}
		})
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	sig := []byte(parts[2])
	if sig[5] == 'A' {
		sig[5] = 'B'
	} else {
		sig[5] = 'A'
	}
	return parts[0] + "." + parts[1] + "." + string(sig)
}

func swapClaims(tok string, claims map[string]any) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64(claims) + "." + parts[2]
}

// mergeSets joins the issuers' JWKS documents into one.
func mergeSets(t *testing.T, issuers ...*devtoken.Issuer) []byte {
	t.Helper()
	var all struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, i := range issuers {
		var s struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(i.JWKS(), &s); err != nil {
			t.Fatal(err)
		}
		all.Keys = append(all.Keys, s.Keys...)
	}
	b, _ := json.Marshal(all)
	return b
}

// TestUnknownKidWhileJWKSDownIs503: a token naming a kid the key set in
// hand lacks can be checked only by fetching the set again. When that
// fetch fails (the provider down, or a fetch a Lambda froze and thawed past
// its deadline), the service could not check the token: 503 with
// Retry-After, as docs/design.md §6 answers what it cannot do for now, not
// 401, which tells a client its credential is bad (and sends it to the
// same provider for a new one). A kid the set still lacks after a fetch
// that worked stays 401.
func TestUnknownKidWhileJWKSDownIs503(t *testing.T) {
	first := newIssuer(t, jwa.ES256())
	rotated := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the JWKS
	jwks := newJWKSServer(t, first.JWKS())
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock})
	if _, err := v.Verify(context.Background(), first.MustMint(devtoken.Claims{IssuedAt: clock()})); err != nil {
		t.Fatal(err)
	}
	jwks.set(rotated.JWKS())
	steps := []struct {
		name    string
		advance time.Duration
		down    bool
		token   *devtoken.Issuer
		want    session.Code
	}{
		{"rotated kid, the refresh fails", 11 * time.Second, true, rotated, session.EUNAVAILABLE},
		{"rotated kid, within the gap after that failure", time.Second, true, rotated, session.EUNAVAILABLE},
		{"a kid the JWKS never held, within the gap after that failure", 0, true, stranger, session.EUNAVAILABLE},
		{"rotated kid, past the gap, the JWKS back", 11 * time.Second, false, rotated, ""},
		{"a kid the JWKS never held, past the gap, the JWKS up", 11 * time.Second, false, stranger, session.EUNAUTHORIZED},
		{"a kid the JWKS never held, within the gap after a fetch that worked", time.Second, false, stranger, session.EUNAUTHORIZED},
	}
	for _, s := range steps {
		advance(s.advance)
		jwks.down.Store(s.down)
		_, err := v.Verify(context.Background(), s.token.MustMint(devtoken.Claims{IssuedAt: clock()}))
		if got := session.ErrorCode(err); got != s.want {
			t.Errorf("%s: Verify() = %v (%q); want %q", s.name, err, got, s.want)
		}
	}
}
