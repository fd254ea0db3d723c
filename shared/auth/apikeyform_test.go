package auth_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestMalformedAPIKeyCostsNoTableRead: docs/design.md §7, "`X-Api-Key:
// psk_<keyId>_<secret>`". A key not of that form (a key id of 16 and a
// secret of 64 lower-case hex digits, as NewAPIKey makes them) is refused
// 401 before the table is read: it could never match, and a flood of
// malformed keys would otherwise cost a table read and a cache entry each.
// The well-formed unknown key reads the table once, so the count is seen
// to move.
func TestMalformedAPIKeyCostsNoTableRead(t *testing.T) {
	id, secret := strings.Repeat("0123456789abcdef", 1), strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name  string
		key   string
		reads int
	}{
		{"well formed, unknown", "psk_" + id + "_" + secret, 1},
		{"key id of 15 digits", "psk_" + id[1:] + "_" + secret, 0},
		{"key id of 17 digits", "psk_" + id + "0_" + secret, 0},
		{"empty key id", "psk__" + secret, 0},
		{"secret of 63 digits", "psk_" + id + "_" + secret[1:], 0},
		{"secret of 65 digits", "psk_" + id + "_" + secret + "0", 0},
		{"upper-case key id", "psk_" + strings.ToUpper(id) + "_" + secret, 0},
		{"upper-case secret", "psk_" + id + "_" + strings.ToUpper(secret), 0},
		{"g in the key id", "psk_" + id[:15] + "g_" + secret, 0},
		{"g in the secret", "psk_" + id + "_" + secret[:63] + "g", 0},
		{"z in the key id", "psk_z" + id[1:] + "_" + secret, 0},
		{"no prefix", id + "_" + secret, 0},
		{"upper-case prefix", "PSK_" + id + "_" + secret, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDynamo()
			v := auth.NewAPIKeyVerifier(newKeyStore(t, f), nil)
			if _, err := v.VerifyAPIKey(context.Background(), tt.key); session.ErrorCode(err) != session.EUNAUTHORIZED {
				t.Errorf("VerifyAPIKey(%q) = %v; want %s", tt.key, err, session.EUNAUTHORIZED)
			}
			if got := f.totalReads(); got != tt.reads {
				t.Errorf("table reads = %d; want %d", got, tt.reads)
			}
		})
	}
}

// failingDynamo is a fakeDynamo that answers every call with DynamoDB's
// error while down is set.
type failingDynamo struct {
	*fakeDynamo
	down    atomic.Bool
	errType string
}

func (f *failingDynamo) RoundTrip(r *http.Request) (*http.Response, error) {
	if !f.down.Load() {
		return f.fakeDynamo.RoundTrip(r)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(strings.NewReader(`{"__type":"com.amazonaws.dynamodb.v20120810#` + f.errType + `","message":"down"}`)), Request: r}, nil
}

// TestAPIKeyLookupThatFailedIsNoUnknownKey: a key whose record could not
// be read is not an unknown key. The request answers the store's error
// (throttling is 503, "unavailable"), never 401, and nothing is cached: the
// next request after the table answers again is judged on the record, not
// on a remembered "no such key" for the cache's 30 s ("a looked-up API key
// at most 30 s", docs/design.md §7: a key that was never looked up).
func TestAPIKeyLookupThatFailedIsNoUnknownKey(t *testing.T) {
	for _, errType := range []string{"ThrottlingException", "ProvisionedThroughputExceededException"} {
		t.Run(errType, func(t *testing.T) {
			f := &failingDynamo{fakeDynamo: newFakeDynamo(), errType: errType}
			id, key := fakeKey(7)
			f.put(id, key[len("psk_"+id+"_"):], false)
			clock := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			st := newKeyStoreOver(t, f)
			v := auth.NewAPIKeyVerifier(st, func() time.Time { return clock })
			ctx := context.Background()
			f.down.Store(true)
			_, err := v.VerifyAPIKey(ctx, key)
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Fatalf("table down: VerifyAPIKey() = %v; want %s", err, session.EUNAVAILABLE)
			}
			f.down.Store(false)
			clock = clock.Add(time.Second)
			if p, err := v.VerifyAPIKey(ctx, key); err != nil || p.KeyID != id {
				t.Errorf("table back 1 s later: VerifyAPIKey() = %v, %v; want key %s", p, err, id)
			}
		})
	}
}

// newKeyStoreOver is newKeyStore over any transport.
func newKeyStoreOver(t *testing.T, rt http.RoundTripper) *store.Store {
	t.Helper()
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: "http://dynamodb.fake", HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return store.New(db, "fake", session.DefaultPolicy, 16, time.Now)
}
