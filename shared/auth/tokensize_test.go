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
func TestTokenOverTheSizeBoundIsRefusedUnread(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	mint := func(pad int) string {
		return iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{auth.ScopeSessionsRead},
			Extra: map[string]any{"pad": strings.Repeat("a", pad)}})
	}
	// The longest padding whose token is at most the bound; one more
	// character passes it.
	pad := (auth.MaxTokenBytes - len(mint(0))) * 3 / 4
	for len(mint(pad+1)) <= auth.MaxTokenBytes {
		pad++
	}
	for len(mint(pad)) > auth.MaxTokenBytes {
		pad--
	}
	atBound, past := mint(pad), mint(pad+1)
	if len(atBound) > auth.MaxTokenBytes || len(past) <= auth.MaxTokenBytes || len(past) > auth.MaxTokenBytes+4 {
		t.Fatalf("token lengths %d and %d; want one at most %d and one just past it", len(atBound), len(past), auth.MaxTokenBytes)
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
