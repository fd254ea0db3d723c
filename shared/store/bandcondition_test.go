package store_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
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

// TestTransactionConditionHoldsTheBand: a family change (one transaction:
// a child's move and its parent's) decided before a guard band, whose write
// reaches DynamoDB only once the band has begun, is refused by the
// transaction's conditions themselves, as a single session's write is.
// docs/design.md §4: "write conditions are built with the clock plus the
// band", and "A session read as `EXPIRED` or 404 never comes back": a
// child's money landing after a poll reported it EXPIRED (or gone) would
// take money on a session its merchant was told had ended.
func TestTransactionConditionHoldsTheBand(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// closed: the child is AUTHORISED first (its parent with it), and
		// the band guards their retainUntil; else both are open and it
		// guards expiresAt.
		closed bool
		before time.Duration // how long before the band's start the write is made
		want   session.Code
		reason string
	}{
		{"a child's AUTHORISED moving its parent, at expiresAt's band", false, 0, session.ECONFLICT, session.ReasonSessionExpired},
		{"a child's AUTHORISED moving its parent, 100 ns before expiresAt's band", false, 100 * time.Nanosecond, "", ""},
		{"a child's SETTLED followed by its parent, at retainUntil's band", true, 0, session.ENOTFOUND, ""},
		{"a child's SETTLED followed by its parent, 100 ns before retainUntil's band", true, 100 * time.Nanosecond, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var move atomic.Pointer[func()]
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if fn := move.Swap(nil); op == "GetItem" && fn != nil {
					(*fn)()
				}
				return nil, nil
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			p := f.create(t, "m-1")
			c := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 0, nil); err != nil {
				t.Fatal(err)
			}
			instant, ev := c.ExpiresAt, session.Authorised
			if tt.closed {
				f.clock.Advance(time.Minute)
				got, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised})
				if err != nil {
					t.Fatal(err)
				}
				instant, ev = got.RetainUntil, session.Settled
			}
			band := instant.Add(-session.DefaultWriteGuard)
			f.clock.Set(band.Add(-time.Second))
			versions := []int64{numberAttr(t, f.raw(t, c.ID), "version"), numberAttr(t, f.raw(t, p.ID), "version")}
			// The change is decided on the child, read before the band;
			// the clock reaches the band while its parent is read, before
			// the transaction is sent.
			later := func() { f.clock.Set(band.Add(-tt.before)) }
			// The first GetItem is the child's: move on its parent's.
			first := true
			skip := func() {
				if first {
					first = false
					move.Store(&later)
				}
			}
			move.Store(&skip)
			_, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: ev})
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("ApplyEvent(%s) = %v: got code %q; want %q", ev, err, got, tt.want)
			}
			if got := session.ErrorReason(err); tt.reason != "" && got != tt.reason {
				t.Errorf("ApplyEvent(%s) = %v: got reason %q; want %q", ev, err, got, tt.reason)
			}
			for i, id := range []string{c.ID, p.ID} {
				want := versions[i]
				if tt.want == "" {
					want++
				}
				if got := numberAttr(t, f.raw(t, id), "version"); got != want {
					t.Errorf("stored version of %s: got %d; want %d", []string{"the child", "the parent"}[i], got, want)
				}
			}
		})
	}
}
