package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListRefusedSessionIsFirstOfTheRest holds ListByDay's "yield returns
// false to refuse a session (the caller's answer is full): the listing
// stops before it. It returns the cursor of the rest of the day ... so a
// refused session is the first of the rest". A caller that refuses a
// session on every page (its answer full), then follows the cursor, lists
// the whole day, each session once, in creation order: also when the
// refused session was the last its partition's Query had read and the
// partition has more (a page's Query Limit of 65 over 70 sessions in one
// partition), where the cursor's position for the partition is past it.
// And a page that stops at its limit, having read one more session,
// leaves that session first in the rest ("a listing that stops at q.Limit
// returns a cursor only when it has read another session that exists
// now").
func TestListRefusedSessionIsFirstOfTheRest(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t, store.ListShards(1))
	vs := sessions("m-1", t0, 70, false)
	if err := f.st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range vs {
		want = append(want, v.ID)
	}
	f.clock.Set(t0.Add(time.Minute))
	for _, c := range []struct{ limit, accept int }{{64, 63}, {64, 64}, {64, 0}, {5, 2}, {0, 30}} {
		t.Run(fmt.Sprintf("limit %d, %d accepted a page", c.limit, c.accept), func(t *testing.T) {
			q := store.ListQuery{MerchantID: "m-1", Day: t0, Limit: c.limit}
			var got []string
			for pages := 0; pages <= 2*len(want); pages++ {
				var page []string
				next, err := f.st.ListByDay(ctx, q, func(v *session.Session) bool {
					// The first page of each pair refuses; the next takes
					// what it is given, so the walk ends.
					if pages%2 == 0 && len(page) == c.accept {
						return false
					}
					page = append(page, v.ID)
					return true
				})
				if err != nil {
					t.Fatalf("ListByDay(%+v) = %v", q, err)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				q.Cursor = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("walked %d %v;\nwant %d %v", len(got), got, len(want), want)
			}
		})
	}
}
