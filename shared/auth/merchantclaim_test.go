package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestMerchantClaimIsOneExactMerchant attacks the merchant identity of a
// bearer token with hostile bytes. docs/design.md §7: "every session
// belongs to one merchant, and a caller sees only its own merchant's
// sessions";
// §8: the store builds keys from the merchant with '#' as the separator
// (IDEMPOTENCY#<merchantId>#<key>, <merchantId>#<yyyy-mm-dd>#<shard>).
// A merchant_id is taken only when it is exactly one plain ASCII id of 1
// to 128 characters (letters, digits, . _ : @ -); anything that could
// split a key, pose as another merchant to a human or a normalizing
// reader, or hide a byte is a refused token (401), never a principal of
// some merchant. A token without merchant_id acts for none (a processor).
func TestMerchantClaimIsOneExactMerchant(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newJWKSServer(t, iss.JWKS())
	now := time.Now()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: func() time.Time { return now }})
	alg := map[string]any{"typ": "JWT"}
	claims := func(merchant string) string {
		return `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"x","scope":"sessions:read","exp":` +
			strings.TrimSpace(string(mustJSON(now.Add(time.Hour).Unix()))) + merchant + `}`
	}
	id := func(raw string) string { return `,"merchant_id":` + raw }
	tests := []struct {
		name     string
		claim    string
		merchant string // "" with ok: the token acts for no merchant
		ok       bool
	}{
		{"plain", id(`"m-1"`), "m-1", true},
		{"every allowed character", id(`"Az09._:@-"`), "Az09._:@-", true},
		{"128 characters", id(`"` + strings.Repeat("m", 128) + `"`), strings.Repeat("m", 128), true},
		{"no merchant_id", "", "", true},

		{"empty", id(`""`), "", false},
		{"129 characters", id(`"` + strings.Repeat("m", 129) + `"`), "", false},
		{"64 KB", id(`"` + strings.Repeat("m", 64<<10) + `"`), "", false},
		{"the key separator", id(`"m-1#2026-11-30"`), "", false},
		{"only the key separator", id(`"#"`), "", false},
		{"an idempotency key's shape", id(`"m-1#key"`), "", false},
		{"NUL escaped", id(`"m-1\u0000"`), "", false},
		{"NUL leading", id(`"\u0000m-1"`), "", false},
		{"Cyrillic look-alike (м)", id(`"\u043c-1"`), "", false},
		{"hyphen look-alike (U+2010)", id(`"m\u20101"`), "", false},
		{"fullwidth m", id(`"\uff4d-1"`), "", false},
		{"zero-width space", id(`"m-1\u200b"`), "", false},
		{"soft hyphen", id(`"m\u00ad-1"`), "", false},
		{"combining mark", id(`"m\u0301-1"`), "", false},
		{"right-to-left override", id(`"\u202em-1"`), "", false},
		{"NO-BREAK SPACE padding", id(`"m-1\u00a0"`), "", false},
		{"space padding", id(`" m-1"`), "", false},
		{"tab", id(`"m-1\t"`), "", false},
		{"line feed", id(`"m-1\n"`), "", false},
		{"comma (a list to a header reader)", id(`"m-1,m-2"`), "", false},
		{"slash", id(`"m-1/x"`), "", false},
		{"percent-encoding", id(`"m%2D1"`), "", false},
		{"null", id(`null`), "", false},
		{"a number", id(`1`), "", false},
		{"true", id(`true`), "", false},
		{"an array", id(`["m-1"]`), "", false},
		{"an object", id(`{"id":"m-1"}`), "", false},
		{"a card number", id(`"4111111111111111"`), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), signWith(t, iss, alg, claims(tt.claim)))
			if !tt.ok {
				if session.ErrorCode(err) != session.EUNAUTHORIZED {
					t.Fatalf("Verify() = %+v, %v; want %s", p, err, session.EUNAUTHORIZED)
				}
				return
			}
			if err != nil || p.MerchantID != tt.merchant {
				t.Fatalf("Verify() = %+v, %v; want merchant %q", p, err, tt.merchant)
			}
		})
	}
}
