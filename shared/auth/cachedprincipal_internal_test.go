package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwt"
)

// TestCachedPrincipalBoundCountsEachString: README, Auth: "at most 3 KB
// each: a token whose subject, merchant, scopes and key id take more than
// 2 KB is verified on every use". maxCachedPrincipalBytes is of the
// strings and their headers (16 bytes a string, 24 the scopes' slice):
// a principal at the bound is cached, one byte more anywhere (the key id
// included) is not.
func TestCachedPrincipalBoundCountsEachString(t *testing.T) {
	now := time.Now()
	tok := jwt.New()
	if err := tok.Set(jwt.ExpirationKey, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	const scope = "sessions:read"
	// Three strings' headers, the scopes' slice, one scope with its header.
	const fixed = 3*16 + 24 + 16 + len(scope)
	room := maxCachedPrincipalBytes - fixed // for subject, merchant and kid together
	tests := []struct {
		name          string
		sub, mid, kid int
		cached        bool
	}{
		{"at the bound", room - 6, 3, 3, true},
		{"a byte over in the subject", room - 5, 3, 3, false},
		{"a byte over in the merchant", room - 6, 4, 3, false},
		{"a byte over in the key id", room - 6, 3, 4, false},
		{"over by the key id alone", 3, 3, room - 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewJWTVerifier(JWTConfig{Now: func() time.Time { return now }})
			p := &Principal{Subject: strings.Repeat("s", tt.sub), MerchantID: strings.Repeat("m", tt.mid), Scopes: []string{scope}, Method: MethodJWT}
			v.remember([32]byte{1}, p, tok, usedKey{kid: strings.Repeat("k", tt.kid)})
			if got := v.cache.Len() == 1; got != tt.cached {
				t.Errorf("cached: got %v; want %v", got, tt.cached)
			}
		})
	}
}
