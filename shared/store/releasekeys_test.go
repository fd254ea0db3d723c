package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestAPIKeysEveryReleaseWroteStillRead: an API key lives up to 365 days
// (MaxAPIKeyLifetime), so every record a release ever wrote must read as
// the key it is for as long (README, Decisions: "A release must not
// tighten what reads accept while items written under the looser rule
// live"): a live key is that key, a revoked one is gone (ENOTFOUND, never
// the store's 500), and each is revoked, and revoked again, as a key this
// release writes. testdata/apikeys-of-each-release.json holds the records
// as each release wrote them, scanned from DynamoDB Local after its own
// make run created them through POST /api-keys (with and without an
// expiresAt, one with nine fraction digits and one with an offset) and
// revoked some through DELETE /api-keys/{keyId} (r106-roundtrip): a54cb11
// (2026-11-23, the first with revocation; times in time.Time's own text,
// revokedAt to the nanosecond, no expiresAt yet), 071024c (2026-11-29,
// expiresAt and ttl), b20df24 (2026-12-01, the last before 8f7f748's
// fixed-width times), 45dabf9 and 91c0c18 (2026-12-07).
func TestAPIKeysEveryReleaseWroteStillRead(t *testing.T) {
	raw, err := os.ReadFile("testdata/apikeys-of-each-release.json")
	if err != nil {
		t.Fatal(err)
	}
	var releases []struct {
		Commit, Date string
		Items        []map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &releases); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	ctx := context.Background()
	// After every record's createdAt, before every expiresAt: the store
	// answers an expired key as it is (its callers judge the expiry), so
	// the clock decides only the instant a revocation writes.
	f.clock.Set(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC))
	for _, rel := range releases {
		for _, src := range rel.Items {
			item := make(map[string]ddb.AttributeValue, len(src))
			for name, v := range src {
				if item[name], err = attributeFromJSON(v); err != nil {
					t.Fatalf("%s: %s: %v", rel.Commit, name, err)
				}
			}
			id := item["keyId"].(*ddb.AttributeValueMemberS).Value
			_, revoked := item["revokedAt"]
			t.Run(rel.Commit+"/"+id, func(t *testing.T) {
				f.plant(t, item)
				k, err := f.st.APIKey(ctx, id)
				switch {
				case revoked && session.ErrorCode(err) != session.ENOTFOUND:
					t.Fatalf("APIKey() of a revoked key = %+v, %v; want %s", k, err, session.ENOTFOUND)
				case !revoked && err != nil:
					t.Fatalf("APIKey() = %v; want the key", err)
				case !revoked:
					scopes := item["scopes"].(*ddb.AttributeValueMemberL).Value
					if k.ID != id || k.MerchantID != "merchant-1" || len(k.Scopes) != len(scopes) || k.RevokedAt != nil {
						t.Fatalf("APIKey() = %+v; want key %s of merchant-1 with %d scopes, not revoked", k, id, len(scopes))
					}
					wantExpiry := item["expiresAt"] != nil
					if (k.ExpiresAt != nil) != wantExpiry || k.CreatedAt.IsZero() {
						t.Fatalf("APIKey() = %+v; want a createdAt, and an expiresAt: %v", k, wantExpiry)
					}
				}
				for i := range 2 {
					if err := f.st.DeleteAPIKey(ctx, "merchant-1", id); err != nil {
						t.Fatalf("DeleteAPIKey() #%d = %v; want nil", i+1, err)
					}
				}
				if k, err := f.st.APIKey(ctx, id); session.ErrorCode(err) != session.ENOTFOUND {
					t.Errorf("APIKey() once revoked = %+v, %v; want %s", k, err, session.ENOTFOUND)
				}
			})
		}
	}
}

// attributeFromJSON reads an attribute value in DynamoDB's JSON form
// ({"S":"..."}, {"N":"..."}, {"B":"<base64>"}, {"L":[...]}), as a Scan
// answers it: the kinds an API key's record holds.
func attributeFromJSON(raw json.RawMessage) (ddb.AttributeValue, error) {
	var v struct {
		S, N, B *string
		L       []json.RawMessage
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch {
	case v.S != nil:
		return &ddb.AttributeValueMemberS{Value: *v.S}, nil
	case v.N != nil:
		return &ddb.AttributeValueMemberN{Value: *v.N}, nil
	case v.B != nil:
		b, err := base64.StdEncoding.DecodeString(*v.B)
		return &ddb.AttributeValueMemberB{Value: b}, err
	case v.L != nil:
		l := &ddb.AttributeValueMemberL{Value: make([]ddb.AttributeValue, len(v.L))}
		for i, e := range v.L {
			a, err := attributeFromJSON(e)
			if err != nil {
				return nil, err
			}
			l.Value[i] = a
		}
		return l, nil
	}
	return nil, fmt.Errorf("a kind of value no API key record holds: %s", raw)
}
