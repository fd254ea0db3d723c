package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListItemsSharingACreatedKeyAre500: two stored items of one day's
// list partition may carry the same createdKey (an index's keys need not
// be distinct: DynamoDB answers both, in order); only one can be the
// service's, whose createdKey is its createdAt and id, so the other is an
// item the service did not write: 500, nothing written (README, Security;
// the single read of the copy is 500 too). The list took the repeated key
// for an answer "no stored item could give" (README, Lost races) and
// answered 503, retry later, for as long as the copy stayed (r103-lambda:
// make run and make start-api alike, an item copied with its createdKey to
// another SESSION# key made the merchant's whole day 503).
func TestListItemsSharingACreatedKeyAre500(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	now := time.Now().UTC()
	st := store.New(db, table, session.DefaultPolicy, 16, func() time.Time { return now }, store.ListShards(1))
	for _, copies := range []int{0, 1, 2} {
		merchant := "m-" + uuid.NewString()[:8]
		v := newSession(merchant, "", now, session.DefaultPolicy)
		if _, _, err := st.Create(ctx, v, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
		})
		if err != nil || out.Item == nil {
			t.Fatalf("GetItem: %v, %v", out, err)
		}
		for range copies {
			// The copy's own key and id; its createdKey (and every other
			// attribute) the session's.
			id := uuid.NewString()
			out.Item["pk"] = &ddb.AttributeValueMemberS{Value: "SESSION#" + id}
			out.Item["id"] = &ddb.AttributeValueMemberS{Value: id}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: out.Item}); err != nil {
				t.Fatal(err)
			}
		}
		want := session.Code("")
		if copies > 0 {
			want = session.EINTERNAL
		}
		for _, limit := range []int{0, 1} {
			listed := 0
			_, err := st.ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: now, Limit: limit}, func(*session.Session) bool {
				listed++
				return true
			})
			if got := session.ErrorCode(err); got != want {
				t.Errorf("%d copies, limit %d: got error %v (code %q), %d listed; want code %q", copies, limit, err, got, listed, want)
			}
		}
	}
}
