package store_test

import (
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/store"
)

// TestListOrderWithEqualCreationInstants: sessions created at the same
// instant land in different partitions of the day; the merge orders them
// by the whole sort key, <createdAt>#<id>, so the order is total (the id
// breaks the tie, as DynamoDB orders one partition) and the same on every
// page: pages of any size, followed by their cursors, list every session
// once, in the whole day's order.
func TestListOrderWithEqualCreationInstants(t *testing.T) {
	f := newListFixture(t)
	var ids []string
	for range 40 {
		ids = append(ids, f.create(t, "m-1").ID) // the clock does not move
	}
	slices.Sort(ids)
	day := store.ListQuery{MerchantID: "m-1", Day: t0}
	if got, next := f.list(t, day); !slices.Equal(got, ids) || next != "" {
		t.Fatalf("the whole day = %v, %q; want %v (by id)", got, next, ids)
	}
	for _, limit := range []int{1, 3, 7, 39} {
		var got []string
		q := day
		q.Limit = limit
		for pages := 0; ; pages++ {
			page, next := f.list(t, q)
			if len(page) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(page))
			}
			got = append(got, page...)
			if next == "" {
				break
			}
			if pages > len(ids) {
				t.Fatalf("limit %d: cursors do not end", limit)
			}
			q.Cursor = next
		}
		if !slices.Equal(got, ids) {
			t.Errorf("limit %d: pages = %v; want %v", limit, got, ids)
		}
	}
}
