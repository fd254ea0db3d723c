package auth_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestStoredKeyOfNoMerchantIsRefused: a key's record names the merchant the
// key acts for, and the service writes only the merchant id of the token
// that made it, which auth checked ("Merchant ids are 1 to 128 characters
// of `A-Z a-z 0-9 . _ : @ -`", docs/design.md §7). A record that holds
// anything else is an item the service did not write, which "can hold a
// token, a key or free text anywhere" (README, "Security"): it is refused
// as an item the store cannot decode (500), never made a caller whose
// merchant_id the request's log line then shows as stored (r101-authz: a
// record of merchant "4111111111111111" was served on both local servers,
// 404 on a session read, with "merchant_id":"4111111111111111" in the
// log line; one of no merchant was 403 MERCHANT_REQUIRED).
func TestStoredKeyOfNoMerchantIsRefused(t *testing.T) {
	const id, secret = "0123456789abcdef", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	key := "psk_" + id + "_" + secret
	sum := sha256.Sum256([]byte(secret))
	for _, tc := range []struct {
		name, merchant string
		ok             bool
	}{
		{"a merchant id", "merchant-1", true},
		{"the longest merchant id", strings.Repeat("m", 128), true},
		{"empty", "", false},
		{"a card number", "4111111111111111", false},
		{"a card number in groups", "4111 1111 1111 1111", false},
		{"NUL", "m-1\x00x", false},
		{"a space", "m-1 ", false},
		{"a line break", "m-1\nINFO forged", false},
		{"too long", strings.Repeat("m", 129), false},
		{"not ASCII", "m-\u0430", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := oneKeyStore{k: &store.APIKey{ID: id, MerchantID: tc.merchant, Scopes: []string{auth.ScopeSessionsRead},
				SecretHash: sum[:], CreatedAt: time.Now().Add(-time.Hour)}}
			v := auth.NewAPIKeyVerifier(st, nil)
			for i := range 2 { // the looked-up record is cached: its second use too
				p, err := v.VerifyAPIKey(context.Background(), key)
				if tc.ok {
					if err != nil || p == nil || p.MerchantID != tc.merchant {
						t.Fatalf("use %d: got %v, %v; want the key's principal", i, p, err)
					}
					continue
				}
				if got := session.ErrorCode(err); p != nil || got != session.EINTERNAL {
					t.Fatalf("use %d: got %v, %v (%v); want no principal, %v", i, p, got, err, session.EINTERNAL)
				}
				if tc.merchant != "" && strings.Contains(err.Error(), tc.merchant) {
					t.Fatalf("use %d: got error %q; want it not to quote the stored merchant", i, err)
				}
			}
		})
	}
}
