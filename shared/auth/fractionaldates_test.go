package auth_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestFractionalDatesKeepTheLeeway: README, Auth: "`exp`/`nbf` with 60 s
// leeway, an `iat` at most 60 s ahead (a date's fraction counts: an `nbf`
// of 60.5 s ahead is 401)". A NumericDate may have a fraction (RFC 7519
// §2). jwx dropped it by default, so an nbf or iat 60.5 s ahead was taken
// (r92-jwt measured nbf and iat 60.95 s ahead answered 404 under make run,
// not 401) and an exp 59.5 s past refused. Each edge is judged to the
// nanosecond, by a verifier without a cache and from the verified-token
// cache alike (a token verified once, used again): exp + 60 s less 1 ns is
// taken, exp + 60 s refused, for a fraction written plainly, with more than
// nine digits (cut to the nanosecond), in an exponent form, and for an nbf
// or iat 60 s ahead at the nanosecond (r92-review). Every row failed
// before.
func TestFractionalDatesKeepTheLeeway(t *testing.T) {
	iss := newIssuer(t, jwa.RS256())
	jwks := newJWKSServer(t, iss.JWKS())
	const base = 1_800_000_000
	var now atomic.Int64 // Unix nanoseconds; a key set fetch reads the clock on its own goroutine
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	cached := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock})
	uncached := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock, CacheEntries: -1})
	for _, tc := range []struct {
		name, times string
		first       time.Time // when the cached verifier first verifies it
		at          time.Time // the edge
		ok          bool
	}{
		{"exp .5, 1 ns before its leeway ends", `"exp":1800000000.5`, time.Unix(base, 0), time.Unix(base+60, 5e8-1), true},
		{"exp .5, as its leeway ends", `"exp":1800000000.5`, time.Unix(base, 0), time.Unix(base+60, 5e8), false},
		{"exp ten 9s, 1 ns before the nanosecond read", `"exp":1800000000.9999999999`, time.Unix(base, 0), time.Unix(base+60, 999_999_998), true},
		{"exp ten 9s, at the nanosecond read", `"exp":1800000000.9999999999`, time.Unix(base, 0), time.Unix(base+60, 999_999_999), false},
		{"exp 1 ns, at its end", `"exp":1800000000.000000001`, time.Unix(base, 0), time.Unix(base+60, 1), false},
		{"exp 1 ns, before its end", `"exp":1800000000.000000001`, time.Unix(base, 0), time.Unix(base+60, 0), true},
		{"exp as 1.8000000005e9, before", `"exp":1.8000000005e9`, time.Unix(base, 0), time.Unix(base+60, 5e8-1), true},
		{"exp as 1.8000000005e9, at", `"exp":1.8000000005e9`, time.Unix(base, 0), time.Unix(base+60, 5e8), false},
		{"nbf .5, at its leeway", `"exp":1800003600,"nbf":1800000060.5`, time.Unix(base, 5e8), time.Unix(base, 5e8), true},
		{"nbf .5, 1 ns before its leeway", `"exp":1800003600,"nbf":1800000060.5`, time.Unix(base, 5e8), time.Unix(base, 5e8-1), false},
		{"iat .5, at its leeway", `"exp":1800003600,"iat":1800000060.5`, time.Unix(base, 5e8), time.Unix(base, 5e8), true},
		{"iat .5, 1 ns before its leeway", `"exp":1800003600,"iat":1800000060.5`, time.Unix(base, 5e8), time.Unix(base, 5e8-1), false},
	} {
		claims := fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"x","merchant_id":"m-1","scope":"sessions:read",%s}`, issuer, audience, tc.times)
		tok, err := iss.SignJWS(nil, []byte(claims))
		if err != nil {
			t.Fatal(err)
		}
		now.Store(tc.first.UnixNano())
		if _, err := cached.Verify(context.Background(), tok); err != nil {
			t.Fatalf("%s: first use at %v: %v", tc.name, tc.first, err)
		}
		now.Store(tc.at.UnixNano())
		for name, v := range map[string]*auth.JWTVerifier{"from the cache": cached, "uncached": uncached} {
			_, err := v.Verify(context.Background(), tok)
			if tc.ok && err != nil {
				t.Errorf("%s (%s): %v; want it verified", tc.name, name, err)
			}
			if !tc.ok && session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("%s (%s): %v; want %s", tc.name, name, err, session.EUNAUTHORIZED)
			}
		}
	}
}
