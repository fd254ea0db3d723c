package store_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListShardsIsCappedByTheStore: ListShards takes 1 to
// store.MaxListShards partitions, whoever sets it (config refuses more, but
// the store is its own guard): a count above the cap is held to it, one
// below 1 to 1. The store's cursors hold a position per partition and it
// refuses a cursor of more than MaxListShards, so a store set above the
// cap once issued cursors it refused itself (its second page was 400).
func TestListShardsIsCappedByTheStore(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	v := &session.Session{ID: "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b", MerchantID: "m-1", CreatedAt: day.Add(10 * time.Hour)}
	for _, n := range []int{-1, 0, 1, store.DefaultListShards, store.MaxListShards, store.MaxListShards + 1, 2 * store.MaxListShards, 1 << 20} {
		s := store.New(nil, "sessions", session.DefaultPolicy, 16, time.Now, store.ListShards(n))
		after := store.ListKey(v)
		c := s.ListCursor("m-1", after)
		got, err := s.ListResume(store.ListQuery{MerchantID: "m-1", Day: day, Cursor: c})
		if err != nil {
			t.Errorf("ListShards(%d): the store's own cursor refused: %v; want it read", n, session.ErrorReason(err))
			continue
		}
		if got != after {
			t.Errorf("ListShards(%d): resumes after %q; want %q", n, got, after)
		}
		// The cursor was made for the capped count: a store at that count
		// reads the same cursor.
		capped := min(max(n, 1), store.MaxListShards)
		other := store.New(nil, "sessions", session.DefaultPolicy, 16, time.Now, store.ListShards(capped))
		if c2 := other.ListCursor("m-1", after); c2 != c {
			t.Errorf("ListShards(%d): cursor %q; want the one made at %d, %q", n, c, capped, c2)
		}
	}
}
