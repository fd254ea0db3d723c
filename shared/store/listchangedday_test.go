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

// TestListDayStaysTheCreationDayAfterAChange: docs/design.md §6, document
// 004 lists "sessions created on `createdDate` (a UTC day), oldest first",
// and §8, the day list is "sorted by `<createdAt>#<id>`" and "status
// changes do not rewrite index entries". A session created at 23:59 and
// changed (PROCESSING, AUTHORISED) after midnight is listed on the day it
// was created, in its place, and not on the day of its change. The list
// tests created sessions and listed them unchanged, so an index entry keyed
// by updatedAt (the change's day and instant) passed them (r96-mutate).
func TestListDayStaysTheCreationDayAfterAChange(t *testing.T) {
	f := newListFixture(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	next := day.AddDate(0, 0, 1)
	var ids []string
	for _, at := range []time.Duration{-2 * time.Minute, -time.Minute} {
		f.clock.Set(next.Add(at))
		v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", f.clock.Now(), session.DefaultPolicy)
		if _, _, err := f.st.Create(ctx, v, nil, 0, nil); err != nil {
			t.Fatalf("Create() = %v", err)
		}
		ids = append(ids, v.ID)
	}
	// The older one changes after midnight, last: keyed by its change it
	// would move to the next day, or after the younger one.
	f.clock.Set(next.Add(time.Minute))
	for _, s := range []session.Status{session.Processing, session.Authorised} {
		if _, err := f.st.ApplyEvent(ctx, "", ids[0], &session.Event{Status: s}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		day  time.Time
		want []string
	}{
		{"the day of creation", day, ids},
		{"the day of the change", next, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, cursor := f.list(t, store.ListQuery{MerchantID: "m-1", Day: tt.day})
			if !slices.Equal(got, tt.want) || cursor != "" {
				t.Errorf("ListByDay() = %v, cursor %q; want %v, no cursor", got, cursor, tt.want)
			}
		})
	}
}
