package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
)

// TestListPassesTheDeadWithinAPage: sessions closed early are gone from the
// table long before their index entries leave the list's window, and they
// may come before a page's first session, or between its sessions, as well
// as after its last. A page of one behind 300 such sessions read them two a
// round, one BatchGetItem each (a round took only what the page still
// lacked, plus one: 151 calls), where the same 300 after the page take 6:
// the list "does not walk the dead at the page's pace" (README, "The day's
// list") on either side of a page's sessions.
func TestListPassesTheDeadWithinAPage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		live  int // how many live sessions come before the dead; one more after them
	}{
		{"before a page of one", 1, 0},
		{"between a page's two sessions", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newListFixture(t)
			before := sessions("m-1", t0, tc.live, false)
			dead := sessions("m-1", t0.Add(time.Second), 300, true)
			after := sessions("m-1", t0.Add(2*time.Second), 1, false)
			all := slices.Concat(before, dead, after)
			if err := f.st.ImportAll(context.Background(), all); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, v := range slices.Concat(before, after) {
				want = append(want, v.ID)
			}
			// As in TestListLookAheadGrows: the dead are past their
			// retention, their entries still within the window; the
			// live ones are open.
			f.clock.Set(t0.Add(20 * time.Minute))
			f.calls.Take()
			got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: tc.limit})
			batches := f.count("BatchGetItem")
			t.Logf("%d BatchGetItem calls", batches)
			if !slices.Equal(got, want) || next != "" {
				t.Errorf("listed %v, next %q; want %v and no next", got, next, want)
			}
			// Rounds of limit+1, 8, 64, then 400 (the rest: 3 calls), as
			// past a page: 6 calls.
			if batches > 6 {
				t.Errorf("a page of %d with 300 sessions gone in it took %d BatchGetItem calls; want at most 6", tc.limit, batches)
			}
		})
	}
}
