package auth_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// oneKeyStore holds one stored key.
type oneKeyStore struct{ k *store.APIKey }

func (s oneKeyStore) APIKey(_ context.Context, id string) (*store.APIKey, error) {
	if id != s.k.ID {
		return nil, session.NotFound()
	}
	k := *s.k
	return &k, nil
}

// TestAPIKeyDigestIsComparedWhole: docs/design.md §7, "Only a SHA-256
// digest of the secret is stored, under the key id, with the key's
// merchant and scopes, and it is compared in constant time": the whole
// digest. A stored digest that differs from the key's in any one byte
// (the first, a middle one, the last) refuses the key, as a key whose
// secret is wrong. A check of the first byte alone lived: the service's
// tests offered a wrong secret only as a random key's last digit changed
// (a row skipped when that digit is already 0, passed by one key in 256).
func TestAPIKeyDigestIsComparedWhole(t *testing.T) {
	id, key := fakeKey(42)
	secret := key[len("psk_"+id+"_"):]
	sum := sha256.Sum256([]byte(secret))
	tests := []struct {
		name    string
		flipped int // index of the stored digest's byte changed; -1 for none
		want    session.Code
	}{
		{"the key's own digest", -1, ""},
		{"first byte differs", 0, session.EUNAUTHORIZED},
		{"a middle byte differs", 16, session.EUNAUTHORIZED},
		{"last byte differs", sha256.Size - 1, session.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := sum
			if tt.flipped >= 0 {
				stored[tt.flipped] ^= 0x01
			}
			k := &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{auth.ScopeSessionsRead}, SecretHash: stored[:], CreatedAt: time.Now()}
			v := auth.NewAPIKeyVerifier(oneKeyStore{k}, nil)
			p, err := v.VerifyAPIKey(context.Background(), key)
			if got := session.ErrorCode(err); got != tt.want || tt.want == "" && (p == nil || p.MerchantID != "m-1") {
				t.Errorf("VerifyAPIKey() = %+v, %v; want code %q", p, err, tt.want)
			}
		})
	}
}
