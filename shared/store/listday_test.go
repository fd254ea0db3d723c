package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListDayEndsAtUTCMidnight: document 004's day is a UTC day. A session
// created in the last 100 ns of a day (its instant kept to 100 ns, the
// nanoseconds below dropped, never rounded up into the next day) is listed
// on that day only, one created at the next midnight on the next day only,
// whatever zone the caller's day is given in; a cursor of one day is
// refused on the next.
func TestListDayEndsAtUTCMidnight(t *testing.T) {
	f := newListFixture(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	next := day.AddDate(0, 0, 1)
	create := func(at time.Time) string {
		t.Helper()
		f.clock.Set(at)
		v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", f.clock.Now(), session.DefaultPolicy)
		if _, _, err := f.st.Create(ctx, v, nil, 0, nil); err != nil {
			t.Fatalf("Create() = %v", err)
		}
		return v.ID
	}
	last := create(next.Add(-1))        // 23:59:59.999999999: kept as .9999999
	lastGrid := create(next.Add(-100))  // 23:59:59.9999999
	first := create(next)               // 00:00:00 of the next day
	f.clock.Set(next.Add(time.Minute))  // every one still exists
	sameDay := []string{lastGrid, last} // equal instants: ordered by id
	if last < lastGrid {
		sameDay = []string{last, lastGrid}
	}
	newYork := time.FixedZone("EST", -5*60*60)
	for _, tt := range []struct {
		name string
		day  time.Time
		want []string
	}{
		{"the day", day, sameDay},
		{"the next day", next, []string{first}},
		{"the next day given in a zone behind UTC", next.In(newYork), []string{first}},
		{"the day given at its last instant", next.Add(-1), sameDay},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, cursor := f.list(t, store.ListQuery{MerchantID: "m-1", Day: tt.day})
			if !slices.Equal(got, tt.want) || cursor != "" {
				t.Errorf("ListByDay() = %v, cursor %q; want %v, no cursor", got, cursor, tt.want)
			}
		})
	}

	// Paged one at a time: the day's two, then nothing of the next.
	var got []string
	cursor := ""
	for range 3 {
		ids, c := f.list(t, store.ListQuery{MerchantID: "m-1", Day: day, Limit: 1, Cursor: cursor})
		got = append(got, ids...)
		if cursor = c; cursor == "" {
			break
		}
		// A cursor of the day is not one of the next day's.
		_, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: next, Limit: 1, Cursor: cursor}, func(*session.Session) bool { return true })
		if session.ErrorCode(err) != session.EINVALID {
			t.Errorf("ListByDay(the next day, a cursor of the day) = %v; want %s", err, session.EINVALID)
		}
	}
	if !slices.Equal(got, sameDay) || cursor != "" {
		t.Errorf("pages of one = %v, last cursor %q; want %v, no cursor", got, cursor, sameDay)
	}
}
