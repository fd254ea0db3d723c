package auth_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestTamperedSignatureMissesTheCache: issue 14, "keyed by a hash of the
// whole token". A valid token, cached, then sent again with its signature's
// bytes altered (one bit of the first, middle or last byte, spelled as
// canonical base64url), or with another token's signature of the same key:
// each is verified (a signature check) and refused, never served from the
// valid token's entry; the valid token is still served from it.
func TestTamperedSignatureMissesTheCache(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256(), jwa.ES256(), jwa.EdDSA()} {
		t.Run(alg.String(), func(t *testing.T) {
			iss := newIssuer(t, alg)
			clock := &testClock{now: time.Now()}
			v, _ := newCachingVerifier(t, iss, clock, 0)
			ctx := context.Background()
			tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Scopes: []string{"sessions:read"}})
			other := iss.MustMint(devtoken.Claims{MerchantID: "m-2", Scopes: []string{"sessions:write"}})
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("Verify() = %v", err)
			}
			cut := strings.LastIndexByte(tok, '.')
			sig, err := base64.RawURLEncoding.DecodeString(tok[cut+1:])
			if err != nil {
				t.Fatal(err)
			}
			var forged []string
			for _, at := range []int{0, len(sig) / 2, len(sig) - 1} {
				b := append([]byte(nil), sig...)
				b[at] ^= 1
				forged = append(forged, tok[:cut+1]+base64.RawURLEncoding.EncodeToString(b))
			}
			forged = append(forged, tok[:cut]+other[strings.LastIndexByte(other, '.'):])
			for i, f := range forged {
				checks := auth.SignatureChecks(v)
				p, err := v.Verify(ctx, f)
				if session.ErrorCode(err) != session.EUNAUTHORIZED {
					t.Errorf("forged %d: Verify() = %+v, %v; want %s", i, p, err, session.EUNAUTHORIZED)
				}
				if got := auth.SignatureChecks(v); got != checks+1 {
					t.Errorf("forged %d: signature checks %d; want %d (verified, not served from the cache)", i, got, checks+1)
				}
			}
			checks := auth.SignatureChecks(v)
			if p, err := v.Verify(ctx, tok); err != nil || p.MerchantID != "m-1" || auth.SignatureChecks(v) != checks {
				t.Errorf("the valid token after the forgeries: Verify() = %+v, %v, %d signature checks; want m-1 from the cache (%d)", p, err, auth.SignatureChecks(v), checks)
			}
		})
	}
}
