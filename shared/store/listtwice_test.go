package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
)

// TestListEntryInTwoPartitionsListedOnce holds ListByDay's "an entry seen
// twice (in two partitions while the index catches up with a change of
// LIST_SHARDS) is listed once" (the day's partitions are "merged by the
// sort key", docs/design.md §8). The index's stale entry is made as the
// lagging index would show it: an index entry of the same sort key in
// another partition of the day (an item carrying only the index's
// attributes). Whole day and page by page, each session is listed once,
// in creation order. (Without the merge's check, the twice-taken entry
// sent one key twice in a BatchGetItem, which DynamoDB refuses: the whole
// list failed, 500.)
func TestListEntryInTwoPartitionsListedOnce(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t)
	vs := sessions("m-1", t0, 3, false)
	if err := f.st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range vs {
		want = append(want, v.ID)
	}
	// The middle session's entry, also in the next partition of its day.
	real := f.raw(t, vs[1].ID)
	part := real["merchantDayShard"].(*ddb.AttributeValueMemberS).Value
	at := strings.LastIndex(part, "#")
	other := part[:at+1] + "0"
	if part[at+1:] == "0" {
		other = part[:at+1] + "1"
	}
	if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "STALE#" + vs[1].ID}, "sk": &ddb.AttributeValueMemberS{Value: "STALE"},
		"merchantDayShard": &ddb.AttributeValueMemberS{Value: other},
		"createdKey":       real["createdKey"], "listUntil": real["listUntil"],
	}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(time.Minute))
	day := store.ListQuery{MerchantID: "m-1", Day: t0}
	if got, next := f.list(t, day); !slices.Equal(got, want) || next != "" {
		t.Errorf("whole day = %v, cursor %q; want %v, no cursor", got, next, want)
	}
	for _, limit := range []int{1, 2} {
		q := day
		q.Limit = limit
		var got []string
		for pages := 0; pages <= len(want); pages++ {
			ids, next := f.list(t, q)
			got = append(got, ids...)
			if next == "" {
				break
			}
			q.Cursor = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: walked %v; want %v", limit, got, want)
		}
	}
}
