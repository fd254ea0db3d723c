package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListWithItemsOfBothShapes: sessions written before the sharded list
// index (README, "Migrating the list index": an item with merchantDay, no
// merchantDayShard, no listUntil) beside sessions written after it. The
// README's promise, checked item by item: such a session is read, changed
// and expired as any other; "Skipping the wait in step 1 would leave
// sessions written before it out of the lists until an event writes them
// again (the sweeper's expiry updates the item in place and does not)" — a
// new index is backfilled only from items that carry its key; a session an
// event writes again is whole again, in the new index only, and listed in
// its place.
func TestListWithItemsOfBothShapes(t *testing.T) {
	f := newListFixture(t)
	ctx := context.Background()
	day := store.ListQuery{MerchantID: "m-1", Day: t0}
	var all []string
	old := map[string]bool{}
	for i := range 6 {
		v := f.create(t, "m-1")
		all = append(all, v.ID)
		f.clock.Advance(time.Second)
		if i%2 == 1 {
			continue
		}
		// As the release before the sharded index wrote it.
		old[v.ID] = true
		if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(f.table),
			Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
			},
			UpdateExpression:          aws.String("SET merchantDay = :d REMOVE merchantDayShard, listUntil"),
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":d": &ddb.AttributeValueMemberS{Value: "m-1#2026-11-23"}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	newOnes := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if !old[id] {
				out = append(out, id)
			}
		}
		return out
	}
	if got, next := f.list(t, day); !slices.Equal(got, newOnes(all)) || next != "" {
		t.Errorf("list with sessions of both shapes = %v, %q; want the new ones only, %v", got, next, newOnes(all))
	}
	for id := range old {
		if v, err := f.st.Get(ctx, id); err != nil || v.ID != id || v.Status != session.Created {
			t.Errorf("Get(a session of the old shape) = %+v, %v; want it, CREATED", v, err)
		}
	}

	// An event writes two of them again: whole, in the new index only.
	expired := all[0]
	for _, id := range []string{all[2], all[4]} {
		if _, err := f.st.Update(ctx, id, func(v *session.Session, now time.Time) (bool, error) {
			return v.Apply(&session.Event{Status: session.Processing}, now, session.DefaultPolicy)
		}); err != nil {
			t.Fatalf("an event on a session of the old shape: %v", err)
		}
		it := f.raw(t, id)
		if it["merchantDayShard"] == nil || it["listUntil"] == nil || it["merchantDay"] != nil {
			t.Errorf("a session of the old shape written again: merchantDayShard %v, listUntil %v, merchantDay %v; want the new shape only", it["merchantDayShard"], it["listUntil"], it["merchantDay"])
		}
	}

	// The sweeper expires the third in place: still not listed.
	f.clock.Set(t0.Add(session.DefaultPolicy.Expiry + time.Minute))
	found := false
	for _, k := range f.expiryKeys(t) {
		if k.ID != expired {
			continue
		}
		found = true
		if ok, err := f.st.Expire(ctx, k); !ok || err != nil {
			t.Fatalf("Expire(a session of the old shape) = %v, %v; want true", ok, err)
		}
	}
	if !found {
		t.Fatalf("the session of the old shape is not in the expiry index")
	}
	if v, err := f.st.Get(ctx, expired); err != nil || v.Status != session.Expired {
		t.Errorf("Get(the expired session of the old shape) = %+v, %v; want EXPIRED", v, err)
	}
	if it := f.raw(t, expired); it["merchantDayShard"] != nil {
		t.Errorf("the sweeper's expiry gave a session of the old shape merchantDayShard; the README says it does not")
	}
	var want []string
	for _, id := range all {
		if id != expired {
			want = append(want, id)
		}
	}
	if got, _ := f.list(t, day); !slices.Equal(got, want) {
		t.Errorf("list once two of the old sessions were written again = %v; want %v (in creation order)", got, want)
	}
}
