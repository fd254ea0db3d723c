package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListItemWhoseKeyIsNotItsCreatedAtIs500: README, Decisions, "An item
// of the key asked that the store cannot decode ... is its own data
// written badly: 500, since every read of it would fail again", and 503
// means "retry later". A stored session whose createdKey (the list index's
// sort key) is not its own createdAt and id, an item the service did not
// write, was refused as an index entry not DynamoDB's: every list of its
// merchant's day was 503 until its TTL, on both local servers
// (r103-lifecycle: createdKey a second after createdAt, both in the
// store's form; its single read 200). Its index entry is DynamoDB's, of
// the item as stored: the item is the store's data written badly, 500.
func TestListItemWhoseKeyIsNotItsCreatedAtIs500(t *testing.T) {
	tests := []struct {
		name  string
		shift time.Duration // of createdAt, its createdKey left as written
		want  session.Code
	}{
		{"as written", 0, ""},
		{"createdAt a second before its key", -time.Second, session.EINTERNAL},
		{"createdAt 100 ns after its key", 100 * time.Nanosecond, session.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newListFixture(t)
			ctx := context.Background()
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			at := v.CreatedAt.Add(tt.shift).UTC().Format("2006-01-02T15:04:05.0000000Z")
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: at}
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			var listed []string
			_, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: v.CreatedAt}, func(v *session.Session) bool {
				listed = append(listed, v.ID)
				return true
			})
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("ListByDay() = %v, listed %v: got %q; want %q", err, listed, got, tt.want)
			}
			if tt.want == "" && (len(listed) != 1 || listed[0] != v.ID) {
				t.Errorf("listed %v; want [%s]", listed, v.ID)
			}
		})
	}
}
