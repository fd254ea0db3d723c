package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestAPIKeyExpiryJudgedOnEveryUse: VerifyAPIKey answers "EUNAUTHORIZED
// for a malformed, unknown, revoked or expired one", and "Expiry is judged
// on every use, cached or not" (apikeys.go); "An expired key is refused
// like a revoked one, even by a container that has it cached" (issue 11,
// as shared/httpapi's TestAPIKeyExpiry quotes it, which needs the engine).
// The key stops working at its expiresAt itself: 100 ns before, it is
// accepted (and cached); from that instant on, refused, without a read.
func TestAPIKeyExpiryJudgedOnEveryUse(t *testing.T) {
	f := newFakeDynamo()
	id, key := fakeKey(77)
	secret := key[len("psk_"+id+"_"):]
	sum := sha256.Sum256([]byte(secret))
	expires := time.Date(2026, 11, 23, 11, 0, 0, 5e8, time.UTC)
	f.mu.Lock()
	f.items[id] = fmt.Sprintf(`{"pk":{"S":"APIKEY#%s"},"sk":{"S":"APIKEY"},"keyId":{"S":"%s"},"merchantId":{"S":"m-1"},`+
		`"scopes":{"L":[{"S":"sessions:read"}]},"secretHash":{"B":"%s"},"createdAt":{"S":"2026-11-23T10:00:00.0000000Z"},"expiresAt":{"S":"2026-11-23T11:00:00.5000000Z"}}`,
		id, id, base64.StdEncoding.EncodeToString(sum[:]))
	f.mu.Unlock()
	var clock time.Time
	v := auth.NewAPIKeyVerifier(newKeyStore(t, f), func() time.Time { return clock })
	tests := []struct {
		at   time.Time
		code session.Code // "" = accepted
	}{
		{expires.Add(-time.Second), ""},
		{expires.Add(-100 * time.Nanosecond), ""},
		{expires, session.EUNAUTHORIZED},
		{expires.Add(time.Second), session.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		clock = tt.at
		p, err := v.VerifyAPIKey(context.Background(), key)
		var got session.Code
		if err != nil {
			got = session.ErrorCode(err)
		}
		if got != tt.code || err == nil && p.MerchantID != "m-1" {
			t.Errorf("at %v: VerifyAPIKey() = %+v, %v; got code %q; want %q", tt.at, p, err, got, tt.code)
		}
	}
	if got := f.readsOf(id); got != 1 {
		t.Errorf("reads of the key: got %d; want 1 (cached: expiry judged without a read)", got)
	}
}
