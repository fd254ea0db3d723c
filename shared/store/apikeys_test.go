package store_test

import (
	"context"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestAPIKeyTimesAreStoredFixedWidth: docs/design.md §8, "Times are stored
// as fixed-width UTC strings, so string order is time order". An API key's
// createdAt, expiresAt and revokedAt were stored as time.Time's own text,
// whose fraction loses its trailing zeros ("…:00Z" sorts after
// "…:00.5Z"), and revokedAt to the nanosecond. They are now stored as a
// session's times are, and read back as written; a record stored in the
// old form still reads.
func TestAPIKeyTimesAreStoredFixedWidth(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fixed := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{7}Z$`)
	for _, tt := range []struct {
		name             string
		created, expires time.Time
		revoked          time.Time // the store's clock at the revocation
	}{
		{"whole seconds", t0, t0.Add(time.Hour), t0.Add(time.Minute)},
		{"half a second", t0.Add(5e8), t0.Add(time.Hour + 5e8), t0.Add(time.Minute + 5e8)},
		{"100 ns", t0.Add(100), t0.Add(time.Hour + 100), t0.Add(time.Minute + 100)},
		{"nanoseconds", t0.Add(123456789), t0.Add(time.Hour + 123456700), t0.Add(time.Minute + 987654321)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := "0123456789abcd" + map[string]string{"whole seconds": "00", "half a second": "01", "100 ns": "02", "nanoseconds": "03"}[tt.name]
			created, expires := session.Normalize(tt.created), session.Normalize(tt.expires)
			k := &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: make([]byte, 32), CreatedAt: created, CreatedBy: "sub", ExpiresAt: &expires}
			if err := f.st.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			got, err := f.st.APIKey(ctx, id)
			if err != nil || !got.CreatedAt.Equal(created) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) {
				t.Fatalf("APIKey() = %+v, %v; want createdAt %v, expiresAt %v", got, err, created, expires)
			}
			f.clock.Set(tt.revoked)
			if err := f.st.DeleteAPIKey(ctx, "m-1", id); err != nil {
				t.Fatal(err)
			}
			stored := f.rawKey(t, id)
			want := map[string]time.Time{"createdAt": created, "expiresAt": expires, "revokedAt": session.Normalize(tt.revoked)}
			for _, name := range []string{"createdAt", "expiresAt", "revokedAt"} {
				s, _ := stored[name].(*ddb.AttributeValueMemberS)
				if s == nil || !fixed.MatchString(s.Value) {
					t.Errorf("%s: got %v; want a fixed-width UTC string", name, stored[name])
					continue
				}
				if at, err := time.Parse(time.RFC3339Nano, s.Value); err != nil || !at.Equal(want[name]) {
					t.Errorf("%s: got %s; want %s", name, s.Value, want[name].Format(time.RFC3339Nano))
				}
			}
			// Revoking again leaves it as it was.
			f.clock.Set(tt.revoked.Add(time.Hour))
			if err := f.st.DeleteAPIKey(ctx, "m-1", id); err != nil {
				t.Errorf("DeleteAPIKey() again = %v; want nil", err)
			}
			// docs/design.md: "the merchant's key revoked already 204
			// again, unchanged": its revokedAt and its TTL stay.
			again := f.rawKey(t, id)
			for _, name := range []string{"revokedAt", "ttl"} {
				if got, want := again[name], stored[name]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s after revoking again: got %v; want %v", name, got, want)
				}
			}
		})
	}

	// A record stored in the old form (time.Time's own text) reads the same.
	_, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "APIKEY#00000000000000ff"}, "sk": &ddb.AttributeValueMemberS{Value: "APIKEY"},
		"keyId": &ddb.AttributeValueMemberS{Value: "00000000000000ff"}, "merchantId": &ddb.AttributeValueMemberS{Value: "m-1"},
		"scopes":     &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{&ddb.AttributeValueMemberS{Value: "sessions:read"}}},
		"secretHash": &ddb.AttributeValueMemberB{Value: make([]byte, 32)},
		"createdAt":  &ddb.AttributeValueMemberS{Value: "2026-11-23T10:00:00.5Z"}, "expiresAt": &ddb.AttributeValueMemberS{Value: "2026-11-23T11:00:00Z"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.st.APIKey(ctx, "00000000000000ff")
	if err != nil || !got.CreatedAt.Equal(t0.Add(5e8)) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(t0.Add(time.Hour)) || got.RevokedAt != nil {
		t.Errorf("a key stored in the old form: got %+v, %v; want createdAt %v, expiresAt %v", got, err, t0.Add(5e8), t0.Add(time.Hour))
	}
	if err := f.st.DeleteAPIKey(ctx, "m-1", "00000000000000ff"); err != nil {
		t.Errorf("revoking a key stored in the old form: %v", err)
	}
	if _, err := f.st.APIKey(ctx, "00000000000000ff"); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("a revoked key stored in the old form: got %v; want %s", err, session.ENOTFOUND)
	}
}
