package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// storedDigits is a number attribute's text in an item the service did not
// write: 32 digits, a numeric secret (an account number, a one-time code)
// that no rule of LoggedError knows, as DynamoDB keeps it (a number of up
// to 38 digits).
const storedDigits = "31415926535897932384626433832795"

// TestUndecodedNumberQuotesNoStoredText: README, Security, says a stored
// item the store cannot decode "is named in that text by the attribute and
// its length in bytes, never by the attribute's text". A number attribute
// the item's Go field cannot hold (an integer past int64, a fraction, as
// DynamoDB's N type can be) was quoted whole: the attribute decoder's
// strconv error ("strconv.ParseInt: parsing \"3141…\": value out of
// range") reached the 500's ERROR line (r102-regress, make run and make
// start-api: a session whose version was such a number, on GET
// /sessions/{id} and every status endpoint). Each row writes one number
// attribute of a stored record with such a text and reads the record back:
// EINTERNAL, and no digit run of it in the logged error.
func TestUndecodedNumberQuotesNoStoredText(t *testing.T) {
	number := func(text string) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: text} }
	tests := []struct {
		name string
		attr string
		val  ddb.AttributeValue
	}{
		{"version past int64", "version", number(storedDigits)},
		{"amount with a fraction", "amount", number("3." + storedDigits[1:])},
		{"ttl below int64", "ttl", number("-" + storedDigits)},
		{"amount with an exponent", "amount", number(storedDigits + "E+5")},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run("session "+tt.name, func(t *testing.T) {
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			item[tt.attr] = tt.val
			if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			_, err := f.st.Get(context.Background(), v.ID)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("Get() = %v: got %s; want %s", err, got, session.EINTERNAL)
			}
			if got := store.LoggedError(err); strings.Contains(got, storedDigits[1:11]) {
				t.Errorf("LoggedError() = %q: got the item's number; want none of it", got)
			}
		})
	}
	t.Run("API key ttl past int64", func(t *testing.T) {
		ctx := context.Background()
		id := uuid.NewString()
		if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: []byte("h"), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		f.plantKeyChanged(t, id, func(item map[string]ddb.AttributeValue) { item["ttl"] = number(storedDigits) })
		_, err := f.st.APIKey(ctx, id)
		if got := session.ErrorCode(err); got != session.EINTERNAL {
			t.Fatalf("APIKey() = %v: got %s; want %s", err, got, session.EINTERNAL)
		}
		if got := store.LoggedError(err); strings.Contains(got, storedDigits[1:11]) {
			t.Errorf("LoggedError() = %q: got the record's number; want none of it", got)
		}
	})
	t.Run("idempotency record status with a fraction", func(t *testing.T) {
		ctx := context.Background()
		idem := f.rememberedChanged(t, func(item map[string]ddb.AttributeValue) {
			item["status"] = number("2." + storedDigits)
		})
		_, _, err := f.st.Create(ctx, f.newDraftSession("m-1", ""), idem, 201, idBody)
		if got := session.ErrorCode(err); got != session.EINTERNAL {
			t.Fatalf("replayed Create() = %v: got %s; want %s", err, got, session.EINTERNAL)
		}
		if got := store.LoggedError(err); strings.Contains(got, storedDigits[1:11]) {
			t.Errorf("LoggedError() = %q: got the record's number; want none of it", got)
		}
	})
}
