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

// TestListRefusedLastReadIsFirstOfTheRest: the refused session is the
// first of the rest also when it is the last entry its partition's Query
// read and the partition has more. With a limit, the refusal meets that
// entry only when sessions gone were skipped before it (else the limit
// stops the page first): 10 sessions past their retention, then 60 live
// ones, in one partition whose first Query reads 64 entries (a limit of
// 63); the caller refuses the 54th live one, the 64th entry. Put back
// other than whole, the cursor's position for the partition (what its
// Query scanned) passed it, and the next page began with the 55th.
func TestListRefusedLastReadIsFirstOfTheRest(t *testing.T) {
	ctx := context.Background()
	f := newListFixture(t, store.ListShards(1))
	dead := sessions("m-1", t0, 10, true)
	live := sessions("m-1", t0.Add(10*time.Millisecond), 60, false)
	if err := f.st.ImportAll(ctx, append(dead, live...)); err != nil {
		t.Fatal(err)
	}
	// The dead are past their retention (closed a second after creation,
	// 15 min of it), their entries still in the list's window.
	f.clock.Set(t0.Add(20 * time.Minute))
	q := store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 63}
	var first []string
	next, err := f.st.ListByDay(ctx, q, func(v *session.Session) bool {
		if len(first) == 53 {
			return false
		}
		first = append(first, v.ID)
		return true
	})
	if err != nil || next == "" || len(first) != 53 {
		t.Fatalf("first page: %d listed, next %q, %v; want 53, a cursor, no error", len(first), next, err)
	}
	q.Cursor = next
	got, _ := f.list(t, q)
	if len(got) == 0 || got[0] != live[53].ID {
		t.Errorf("the page after the refusal begins with %v; want the refused %s", got[:min(len(got), 1)], live[53].ID)
	}
}
