package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestReplayRefusesRecordWithoutExpiry: README, Security, says an
// Idempotency-Key's record the service did not write is the store's 500
// ("an item the service did not write"), and 409 IDEMPOTENCY_KEY_IN_USE
// promises "retry; the first answer comes back once that create is done".
// A record without its expiresAtEpoch (left out, or NULL) was read as
// expired long ago, so the create went ahead, its write's condition
// (expiresAtEpoch <= now) then refused it, and every retry was that 409,
// for ever (r103-lifecycle, make run and make start-api on one table: a
// planted record, every create under its key 409 IDEMPOTENCY_KEY_IN_USE).
// The service writes the attribute in every record; one without it is
// refused as any foreign record is, and nothing is written.
func TestReplayRefusesRecordWithoutExpiry(t *testing.T) {
	tests := []struct {
		name string
		val  ddb.AttributeValue // nil: the attribute is left out
	}{
		{"left out", nil},
		{"NULL", &ddb.AttributeValueMemberNULL{Value: true}},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var firstID string // the session the record remembers
			idem := f.rememberedChanged(t, func(item map[string]ddb.AttributeValue) {
				firstID = item["sessionId"].(*ddb.AttributeValueMemberS).Value
				delete(item, "expiresAtEpoch")
				if tt.val != nil {
					item["expiresAtEpoch"] = tt.val
				}
			})
			key := map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY#m-1#" + idem.Key},
				"sk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY"},
			}
			for try := 1; try <= 2; try++ {
				_, r, err := f.st.Create(ctx, f.newDraftSession("m-1", ""), idem, 201, idBody)
				if got := session.ErrorCode(err); got != session.EINTERNAL {
					t.Fatalf("Create() try %d = %+v, %v: got %s; want %s", try, r, err, got, session.EINTERNAL)
				}
			}
			after, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			if got := after.Item["sessionId"]; got == nil || got.(*ddb.AttributeValueMemberS).Value != firstID {
				t.Errorf("record's sessionId after the refused creates = %v; want %s (nothing written)", got, firstID)
			}
		})
	}
}
