package store_test

import (
	"context"
	"crypto/sha256"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// secretSum is the hash of the secret of the keys
// TestAPIKeyAttributeOfAnotherTypeIsForeign stores.
var secretSum = sha256.Sum256([]byte("secret"))

// TestAPIKeyAttributeOfAnotherTypeIsForeign: an API key's record is read
// at every X-Api-Key request (document 002's only credential), and the
// SDK's decoder reads NULL as the zero value: a revoked key's record with
// "revokedAt":{"NULL":true} was a live key, though the store never
// writes NULL there (it leaves the attribute out; DynamoDB itself refuses
// another type in expiresAt, a key of the expiry index); a set (SS) of
// scopes or a number in createdBy were read as the list and the text the
// store writes. Such a record is one the service did not write: 500, as a
// session's attribute of another type is
// (TestStoredAttributeOfAnotherTypeIsForeign).
func TestAPIKeyAttributeOfAnotherTypeIsForeign(t *testing.T) {
	null := &ddb.AttributeValueMemberNULL{Value: true}
	tests := []struct {
		name   string
		attr   string
		value  ddb.AttributeValue
		revoke bool // revoke the key first
	}{
		{"revokedAt null on a revoked key", "revokedAt", null, true},
		{"scopes a string set", "scopes", &ddb.AttributeValueMemberSS{Value: []string{"sessions:read"}}, false},
		{"scopes a list of numbers", "scopes", &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{&ddb.AttributeValueMemberN{Value: "1"}}}, false},
		{"createdBy a number", "createdBy", &ddb.AttributeValueMemberN{Value: "42"}, false},
		// The SDK's decoder reads a list of numbers into []byte as those
		// bytes: the hash of the key's secret, verified as the store's
		// (r105-review: no row planted it).
		{"secretHash a list of numbers", "secretHash", numberList(string(secretSum[:])), false},
	}
	ctx := context.Background()
	f := newFixture(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "0123456789abcde" + string(rune('a'+i))
			f.plantKey(t, id, secretSum[:], tt.revoke, func(item map[string]ddb.AttributeValue) { item[tt.attr] = tt.value })
			k, err := f.st.APIKey(ctx, id)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Errorf("APIKey() = %+v: got %q; want %q", k, got, session.EINTERNAL)
			}
		})
	}
}
