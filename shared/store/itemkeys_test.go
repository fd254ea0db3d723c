package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestItemsAreWhereTheTableSaysWithTheirTTL: docs/design.md §8's table of
// items, "session | `SESSION#<id>` | `SESSION`", "API key |
// `APIKEY#<keyId>` | `APIKEY`" and "idempotency record |
// `IDEMPOTENCY#<merchantId>#<key>` | `IDEMPOTENCY` | hash of the request,
// the first answer, a 24 h expiry", with README's "`ttl`: 24 h on, rounded
// up to the second" for the idempotency record and "DynamoDB TTL deletes an
// expired or revoked key's record a day later" for an API key. The keys are
// what an operator reads the table by and what IAM's dynamodb:LeadingKeys
// names; the `ttl` is what DynamoDB deletes by: a record without it stays
// for ever, one with it too soon is deleted while still in use (a live key
// without an expiry has none). Each item is read by its key as written
// here, not as the store would build it.
func TestItemsAreWhereTheTableSaysWithTheirTTL(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := t0.Add(700 * time.Millisecond) // a fraction of a second, to be rounded up
	f.clock.Set(first)
	v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", first, session.DefaultPolicy)
	idem := &store.Idempotency{MerchantID: "m-1", Key: "order-1001", RequestHash: store.HashRequest([]byte("body"))}
	if _, r, err := f.st.Create(ctx, v, idem, 201, idBody); err != nil || r != nil {
		t.Fatalf("Create() = %+v, %v; want a new session", r, err)
	}
	keyExpires := session.Normalize(t0.Add(time.Hour + 500*time.Millisecond))
	for _, k := range []*store.APIKey{
		{ID: "00000000000000a1", MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: make([]byte, 32), CreatedAt: first, CreatedBy: "sub"},
		{ID: "00000000000000a2", MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: make([]byte, 32), CreatedAt: first, CreatedBy: "sub", ExpiresAt: &keyExpires},
		{ID: "00000000000000a3", MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: make([]byte, 32), CreatedAt: first, CreatedBy: "sub"},
	} {
		if err := f.st.CreateAPIKey(ctx, k); err != nil {
			t.Fatalf("CreateAPIKey(%s) = %v", k.ID, err)
		}
	}
	revoked := t0.Add(10*time.Minute + 300*time.Millisecond)
	f.clock.Set(revoked)
	if err := f.st.DeleteAPIKey(ctx, "m-1", "00000000000000a3"); err != nil {
		t.Fatalf("DeleteAPIKey() = %v", err)
	}

	tests := []struct {
		name   string
		pk, sk string
		ttl    time.Time // zero: no ttl attribute
	}{
		{"session: `SESSION#<id>` | `SESSION`, ttl expiresAt + retention", "SESSION#" + v.ID, "SESSION", t0.Add(30*time.Minute + 15*time.Minute + time.Second)},
		{"idempotency record: `IDEMPOTENCY#<merchantId>#<key>` | `IDEMPOTENCY`, ttl 24 h on, rounded up", "IDEMPOTENCY#m-1#order-1001", "IDEMPOTENCY", t0.Add(24*time.Hour + time.Second)},
		{"API key without an expiry: `APIKEY#<keyId>` | `APIKEY`, no ttl", "APIKEY#00000000000000a1", "APIKEY", time.Time{}},
		{"expiring API key: ttl a day after its expiry, rounded up", "APIKEY#00000000000000a2", "APIKEY", t0.Add(25*time.Hour + time.Second)},
		{"revoked API key: ttl a day after its revocation, rounded up", "APIKEY#00000000000000a3", "APIKEY", t0.Add(24*time.Hour + 10*time.Minute + time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(f.table), ConsistentRead: aws.Bool(true),
				Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: tt.pk}, "sk": &ddb.AttributeValueMemberS{Value: tt.sk}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if out.Item == nil {
				t.Fatalf("item at pk %q, sk %q: got none; want the item there", tt.pk, tt.sk)
			}
			n, ok := out.Item["ttl"].(*ddb.AttributeValueMemberN)
			switch {
			case tt.ttl.IsZero() && out.Item["ttl"] != nil:
				t.Errorf("ttl: got %v; want none (a live key is never deleted)", out.Item["ttl"])
			case tt.ttl.IsZero():
			case !ok:
				t.Errorf("ttl: got %v; want the number %d", out.Item["ttl"], tt.ttl.Unix())
			case n.Value != strconv.FormatInt(tt.ttl.Unix(), 10):
				t.Errorf("ttl: got %s; want %d (%s)", n.Value, tt.ttl.Unix(), tt.ttl.Format(time.RFC3339))
			}
		})
	}
}
