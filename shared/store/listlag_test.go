package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListToleratesIndexLagOfListUntil: a session settled after its
// expiresAt has its listUntil moved later (AUTHORISED at 29:00, SETTLED at
// 35:00: from 10:45 to 10:50). docs/design.md §4 reads ids from the index
// "because an index lags its table", and "no two endpoints disagree". While
// the index still holds the old listUntil (simulated here: the item's
// listUntil written back to its old value, which the index copies, while
// the store's reads of the table are answered the value the table holds,
// 10:50: tableListUntil), a list taken just after the old listUntil
// skipped the session, whole-day and paged, though a single read still
// returns it SETTLED. A session really gone by then (failed at creation,
// its retention over at 10:45) is still not listed: the table read drops
// it.
func TestListToleratesIndexLagOfListUntil(t *testing.T) {
	for _, shards := range []int{1, store.DefaultListShards} {
		t.Run(fmt.Sprintf("LIST_SHARDS=%d", shards), func(t *testing.T) {
			var lagging atomic.Pointer[string]
			f := newListFixtureWith(t, []func(*middleware.Stack) error{tableListUntil(&lagging, "2026-11-23T10:50:00.0000000Z")}, store.ListShards(shards))
			ctx := context.Background()
			apply := func(id string, at time.Duration, st session.Status) {
				t.Helper()
				f.clock.Set(t0.Add(at))
				if _, err := f.st.Update(ctx, id, func(v *session.Session, now time.Time) (bool, error) {
					return v.Apply(&session.Event{Status: st}, now, session.DefaultPolicy)
				}); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			var ids []string // created t0, t0+1ms, …: their list order
			for i := range 4 {
				f.clock.Set(t0.Add(time.Duration(i) * time.Millisecond))
				ids = append(ids, f.create(t, "m-1").ID)
			}
			settled, lagged, gone := []string{ids[0], ids[1], ids[2]}, ids[1], ids[3]
			for _, id := range settled {
				apply(id, 29*time.Minute, session.Authorised)
				apply(id, 35*time.Minute, session.Settled) // listUntil 10:45 → 10:50
			}
			apply(gone, time.Second, session.Failed) // listUntil 10:45, gone then
			f.clock.Set(t0.Add(20 * time.Minute))
			open := f.create(t, "m-1").ID // expires 10:50
			lagging.Store(&lagged)
			if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(f.table),
				Key: map[string]ddb.AttributeValue{
					"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + lagged},
					"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
				},
				UpdateExpression:          aws.String("SET listUntil = :old"),
				ExpressionAttributeValues: map[string]ddb.AttributeValue{":old": &ddb.AttributeValueMemberS{Value: "2026-11-23T10:45:00.0000000Z"}},
			}); err != nil {
				t.Fatal(err)
			}

			f.clock.Set(t0.Add(45*time.Minute + 30*time.Second)) // past the old listUntil
			if v, err := f.st.Get(ctx, lagged); err != nil || v.Status != session.Settled {
				t.Fatalf("Get(%s) = %v, %v; want it SETTLED", lagged, v, err)
			}
			if _, err := f.st.Get(ctx, gone); session.ErrorCode(err) != session.ENOTFOUND {
				t.Fatalf("Get of the session past its retention: %v; want %s", err, session.ENOTFOUND)
			}
			want := []string{ids[0], ids[1], ids[2], open}
			if got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0}); !slices.Equal(got, want) || next != "" {
				t.Errorf("whole day: listed %v, next %q; want %v (the lagged %s among them) and no next", got, next, want, lagged)
			}
			for _, limit := range []int{1, 2} {
				var got []string
				cursor := ""
				for page := 0; ; page++ {
					if page > len(want)+1 {
						t.Fatalf("limit %d: no end after %d pages", limit, page)
					}
					ids, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit, Cursor: cursor})
					got = append(got, ids...)
					if next == "" {
						break
					}
					cursor = next
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: pages listed %v; want %v, once each, in order", limit, got, want)
				}
			}
		})
	}
}

// tableListUntil is a client option that answers the item of the session
// *id names (once set) with listUntil as the table held it, value, in
// GetItem and BatchGetItem: the test writes an older listUntil into the
// item so that the index copies it (an index that lags its table), while
// the table the store reads still holds the one its writes left (a
// listUntil before the session's purge instant is an item the service did
// not write, 500 at every read).
func tableListUntil(id *atomic.Pointer[string], value string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("tableListUntil", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			want := id.Load()
			if err != nil || want == nil {
				return out, md, err
			}
			restore := func(item map[string]ddb.AttributeValue) {
				if v, ok := item["id"].(*ddb.AttributeValueMemberS); ok && v.Value == *want {
					if _, ok := item["listUntil"]; ok {
						item["listUntil"] = &ddb.AttributeValueMemberS{Value: value}
					}
				}
			}
			switch o := out.Result.(type) {
			case *dynamodb.GetItemOutput:
				restore(o.Item)
			case *dynamodb.BatchGetItemOutput:
				for _, items := range o.Responses {
					for _, item := range items {
						restore(item)
					}
				}
			}
			return out, md, err
		}), middleware.After)
	}
}
