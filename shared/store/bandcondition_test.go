package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestWriteConditionHoldsBothBandsToTheInstant: a change decided before a
// guard band, whose write reaches DynamoDB only once the band has begun, is
// refused by the write's condition itself, before retainUntil as before
// expiresAt, and from the band's first instant. docs/design.md §4: "writes
// are refused during a guard band (`WRITE_GUARD`, default 5 s) before
// `expiresAt` and before `retainUntil`; write conditions are built with the
// clock plus the band". A write made 100 ns before the band ("Times are
// exact to 100 ns") still lands.
func TestWriteConditionHoldsBothBandsToTheInstant(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// setup returns the instant the band guards, and the event the
		// change applies.
		setup  func(t *testing.T, f *fixture, id string) (time.Time, session.Status)
		before time.Duration // how long before the band's start the write is made
		want   session.Code  // "" for a write that lands
		reason string
	}{
		{"retainUntil, written at the band's start", closedFor, 0, session.ENOTFOUND, ""},
		{"retainUntil, written 100 ns before the band", closedFor, 100 * time.Nanosecond, "", ""},
		{"expiresAt, written at the band's start", openFor, 0, session.ECONFLICT, session.ReasonSessionExpired},
		{"expiresAt, written 100 ns before the band", openFor, 100 * time.Nanosecond, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			instant, ev := tt.setup(t, f, v.ID)
			band := instant.Add(-session.DefaultWriteGuard)
			f.clock.Set(band.Add(-time.Second))
			version := numberAttr(t, f.raw(t, v.ID), "version")
			calls := 0
			_, err := f.st.Update(ctx, v.ID, func(s *session.Session, now time.Time) (bool, error) {
				calls++
				ok, err := s.Apply(&session.Event{Status: ev}, now, session.DefaultPolicy)
				if calls == 1 {
					// Decided before the band; the write is made later.
					f.clock.Set(band.Add(-tt.before))
				}
				return ok, err
			})
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("Update() = %v: got code %q; want %q", err, got, tt.want)
			}
			if got := session.ErrorReason(err); tt.reason != "" && got != tt.reason {
				t.Errorf("Update() = %v: got reason %q; want %q", err, got, tt.reason)
			}
			wantVersion := version
			if tt.want == "" {
				wantVersion++
			}
			if got := numberAttr(t, f.raw(t, v.ID), "version"); got != wantVersion {
				t.Errorf("stored version: got %d; want %d", got, wantVersion)
			}
		})
	}
}

// closedFor settles the session a minute in: the band guards its
// retainUntil.
func closedFor(t *testing.T, f *fixture, id string) (time.Time, session.Status) {
	t.Helper()
	f.clock.Advance(time.Minute)
	v, err := f.st.ApplyEvent(context.Background(), "", id, &session.Event{Status: session.Settled})
	if err != nil {
		t.Fatal(err)
	}
	return v.RetainUntil, session.FraudCancellationRequested
}

// openFor leaves the session open: the band guards its expiresAt.
func openFor(t *testing.T, f *fixture, id string) (time.Time, session.Status) {
	t.Helper()
	return f.mustGet(t, id).ExpiresAt, session.Authorised
}
