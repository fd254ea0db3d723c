package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// recentWrites reads an item's recentWrites and writeId.
func recentWrites(t *testing.T, item map[string]ddb.AttributeValue) (writes []string, writeID string) {
	t.Helper()
	if av, ok := item["recentWrites"]; ok {
		if err := attributevalue.Unmarshal(av, &writes); err != nil {
			t.Fatal(err)
		}
	}
	if err := attributevalue.Unmarshal(item["writeId"], &writeID); err != nil {
		t.Fatal(err)
	}
	return writes, writeID
}

// TestExpiryKeepsRecentWritesBounded: the sweeper's expiry write keeps an
// item's recentWrites to the bound every other write keeps
// (store.RecentWritesKept ids, the newest last: the write's own, which is
// writeId), against DynamoDB Local. It once appended its id to a full
// list: 9 ids on an EXPIRED item.
func TestExpiryKeepsRecentWritesBounded(t *testing.T) {
	tests := []struct {
		name   string
		writes int  // the store's writes after the create
		strip  bool // the item keeps no recentWrites (a release before)
	}{
		{"the create alone", 0, false},
		{"one short of the bound", store.RecentWritesKept - 2, false},
		{"at the bound", store.RecentWritesKept - 1, false},
		{"well past the bound", 2 * store.RecentWritesKept, false},
		{"no recentWrites kept", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			v := f.create(t, "m-1")
			for range tt.writes {
				if _, err := f.st.Update(ctx, v.ID, func(*session.Session, time.Time) (bool, error) { return true, nil }); err != nil {
					t.Fatal(err)
				}
			}
			if tt.strip {
				f.stripRecentWrites(t, v.ID)
			}
			before, _ := recentWrites(t, f.raw(t, v.ID))
			f.clock.Set(v.ExpiresAt.Add(session.DefaultWriteGuard))
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("%d sessions due; want 1", len(keys))
			}
			if ok, err := f.st.Expire(ctx, keys[0]); !ok || err != nil {
				t.Fatalf("Expire() = %v, %v; want true, nil", ok, session.ErrorReason(err))
			}
			item := f.raw(t, v.ID)
			got, writeID := recentWrites(t, item)
			want := append(slices.Clone(before), writeID)
			want = want[max(len(want)-store.RecentWritesKept, 0):]
			if !slices.Equal(got, want) {
				t.Errorf("recentWrites got %d ids %v; want %d %v", len(got), got, len(want), want)
			}
			var status string
			if err := attributevalue.Unmarshal(item["status"], &status); err != nil || status != string(session.Expired) {
				t.Errorf("status got %q; want %s", status, session.Expired)
			}
		})
	}
}
