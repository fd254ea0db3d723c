package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestJWKSRetryAfterSaysWhenAFetchCanRun: a 503 because the key set could
// not be had (no set fetched, a kid the set in hand lacks while the last
// fetch failed, a set without a usable key) said `Retry-After: 1`, while
// the container fetches the set again only 10 s after its last fetch
// started: a client that obeyed retried up to ten times into the same 503.
// RFC 9110 §10.2.3: Retry-After says "how long the user agent ought to
// wait before making a follow-up request". It says when the next fetch may
// start, rounded up to whole seconds, at least 1, in each endpoint's error
// shape.
func TestJWKSRetryAfterSaysWhenAFetchCanRun(t *testing.T) {
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	noUsableKey := []byte(`{"keys":[{"kty":"EC","kid":"broken","crv":"P-256","x":"AAAA","y":"AAAA"}]}`)
	type step struct {
		name    string
		advance time.Duration // the wall clock moves on by this first
		down    bool          // the JWKS answers 503
		token   *devtoken.Issuer
		want    string // Retry-After of the 503; "" for a token checked (no 503)
	}
	for _, c := range []struct {
		name  string
		set   []byte
		steps []step
	}{
		{"no set fetched yet", iss.JWKS(), []step{
			{"the first fetch fails", 0, true, iss, "10"},
			{"1 ns later", time.Nanosecond, true, iss, "10"},
			{"1 s after the fetch started", time.Second - time.Nanosecond, true, iss, "9"},
			{"8.5 s after", 7500 * time.Millisecond, true, iss, "2"},
			{"9.5 s after", time.Second, true, iss, "1"},
			{"1 ns before the next fetch may start", 500*time.Millisecond - time.Nanosecond, true, iss, "1"},
			{"the next fetch starts, and fails", time.Nanosecond, true, iss, "10"},
			{"10 s after that, the JWKS back", 10 * time.Second, false, iss, ""},
		}},
		{"a kid the set in hand lacks", iss.JWKS(), []step{
			{"the set fetched", 0, false, iss, ""},
			{"a new kid past the gap, the fetch fails", 11 * time.Second, true, rotated, "10"},
			{"3 s later", 3 * time.Second, true, rotated, "7"},
			{"a kid the set holds, meanwhile", 0, true, iss, ""},
			{"0.25 s later", 250 * time.Millisecond, true, rotated, "7"},
		}},
		{"a set without a usable key", noUsableKey, []step{
			{"the set fetched", 0, false, iss, "10"},
			{"2.5 s later", 2500 * time.Millisecond, false, iss, "8"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var down atomic.Bool
			jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if down.Load() {
					http.Error(w, "down", http.StatusServiceUnavailable)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(c.set)
			}))
			t.Cleanup(jwks.Close)
			var mu sync.Mutex
			now := time.Now()
			wall := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			clock := storetest.NewClock(t0)
			st := storetest.NewMemory(session.DefaultPolicy, clock.Now)
			authn := auth.New(
				auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: testIssuer, Audience: testAudience, Now: wall}),
				auth.NewAPIKeyVerifier(st, clock.Now),
			)
			h := httpapi.Middleware(slog.New(slog.DiscardHandler), func(*http.Request) string { return "r-1" },
				httpapi.NewRouter(httpapi.Routes(httpapi.Deps{Store: st, Auth: authn, Now: clock.Now})...))
			for _, s := range c.steps {
				mu.Lock()
				now = now.Add(s.advance)
				mu.Unlock()
				down.Store(s.down)
				token := s.token.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{auth.ScopeSessionsRead}, IssuedAt: wall()})
				for _, path := range []string{
					"/sessions/0b7c6a1e-3f2d-4c5b-9a8e-1d2c3b4a5f60",   // problem+json
					"/v1/session/0b7c6a1e-3f2d-4c5b-9a8e-1d2c3b4a5f60", // document 001's envelope
				} {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					h.ServeHTTP(rec, req)
					got := rec.Header().Get("Retry-After")
					switch {
					case s.want == "" && rec.Code == http.StatusServiceUnavailable:
						t.Errorf("%s: %s: got 503 (Retry-After %q) %s; want the token checked", s.name, path, got, rec.Body)
					case s.want != "" && (rec.Code != http.StatusServiceUnavailable || got != s.want):
						t.Errorf("%s: %s: got %d, Retry-After %q; want 503, Retry-After %q", s.name, path, rec.Code, got, s.want)
					}
				}
			}
		})
	}
}
