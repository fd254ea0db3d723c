package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestExpiredPagesThroughTheShard holds Expired's "a page at a time, oldest
// first, calling page with each page's keys until it returns false or the
// shard is done ... It returns the number of index items DynamoDB read":
// three sessions due in one shard, read a session a page, are each found
// once, oldest first, in three pages, three index items read; a page
// that returns false is the last.
func TestExpiredPagesThroughTheShard(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st := store.New(f.db, f.table, session.DefaultPolicy, 1, f.clock.Now)
	vs := sessions("m-1", t0, 3, false)
	if err := st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range vs {
		want = append(want, v.ID)
	}
	var got []string
	pages := 0
	read, err := st.Expired(ctx, 0, vs[2].ExpiresAt.Add(session.DefaultWriteGuard+time.Minute), 1, func(keys []store.ExpiryKey) bool {
		pages++
		for _, k := range keys {
			got = append(got, k.ID)
		}
		return pages < 10 // a shard that never ends stops here
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || pages != 3 || read != 3 {
		t.Errorf("Expired() found %v in %d pages, %d read; want %v in 3 pages, 3 read", got, pages, read, want)
	}
	pages = 0
	if _, err := st.Expired(ctx, 0, vs[2].ExpiresAt.Add(session.DefaultWriteGuard+time.Minute), 1, func([]store.ExpiryKey) bool {
		pages++
		return false
	}); err != nil || pages != 1 {
		t.Errorf("Expired() with a page returning false = %v after %d pages; want nil after 1", err, pages)
	}
}
