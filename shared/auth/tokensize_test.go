package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTokenOverTheSizeBoundIsRefusedUnread: maxTokenBytes "bounds a bearer
// token before any parsing". A token of exactly 8 KiB, well signed, is
// verified; one a few bytes longer, as well signed, is 401 without a look
// at the key set (nothing is fetched for it). No other test reached the
// bound: with it a hundred times wider, every test passed.
//
// The bound is README's own number, not the package's constant: "a token
// over 8 KiB (8,192 bytes) is 401 before it is parsed or a key set
// fetched" (README, Auth). Measured by the constant, the bound could move
// (to 16 KiB: r75-mut-auth) with the test moving along with it.
func TestTokenOverTheSizeBoundIsRefusedUnread(t *testing.T) {
	const bound = 8192 // README, Auth
	iss := newIssuer(t, jwa.ES256())
	mint := func(pad int) string {
		return iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{auth.ScopeSessionsRead},
			Extra: map[string]any{"pad": strings.Repeat("a", pad)}})
	}
	// The longest padding whose token is at most the bound; one more
	// character passes it.
	pad := (bound - len(mint(0))) * 3 / 4
	for len(mint(pad+1)) <= bound {
		pad++
	}
	for len(mint(pad)) > bound {
		pad--
	}
	atBound, past := mint(pad), mint(pad+1)
	if len(atBound) > bound || len(past) <= bound || len(past) > bound+4 {
		t.Fatalf("token lengths %d and %d; want one at most %d and one just past it", len(atBound), len(past), bound)
	}
	tests := []struct {
		name        string
		token       string
		wantCode    session.Code // "" for verified
		wantFetches int64
	}{
		{"past the bound", past, session.EUNAUTHORIZED, 0},
		{"at the bound", atBound, "", 1},
	}
	jwks := newJWKSServer(t, iss.JWKS())
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	for _, tt := range tests {
		p, err := v.Verify(context.Background(), tt.token)
		if got := session.ErrorCode(err); got != tt.wantCode || tt.wantCode == "" && (p == nil || p.MerchantID != "m-1") {
			t.Errorf("%s (%d bytes): got %+v, %v; want code %q", tt.name, len(tt.token), p, err, tt.wantCode)
		}
		if got := jwks.fetches.Load(); got != tt.wantFetches {
			t.Errorf("%s: JWKS fetches got %d; want %d", tt.name, got, tt.wantFetches)
		}
	}
}
