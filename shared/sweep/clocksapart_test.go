package sweep_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweeperClockApartFromTheOthers: a sweeper runs on its own instance,
// whose clock may run ahead of or behind the API's by up to WRITE_GUARD.
// README (The expiry sweeper): "It waits out the guard band after
// expiresAt by its own clock (the write's condition says so too): a stored
// EXPIRED is read by every instance at once, so a sweeper whose clock runs
// ahead of the others' by up to WRITE_GUARD still never stores it before
// expiresAt by theirs", and it "never changes a session past its retention
// (nor one within WRITE_GUARD of it" by its own clock, so one whose clock
// is behind by up to the band never writes a session the others already
// read as gone. The store's TestSweeperClockAheadNeverExpiresEarly checks
// Expire alone with a clock ahead; this is the whole run (its query's
// window, its writes' conditions, its counts) from both sides, at the
// instants on either side of each bound, the others' clock being the
// fixture's.
func TestSweeperClockApartFromTheOthers(t *testing.T) {
	ctx := context.Background()
	guard := policy.WriteGuard
	for _, lead := range []time.Duration{-guard, -guard / 2, 0, guard / 2, guard} {
		t.Run("lead "+lead.String(), func(t *testing.T) {
			f := newFixture(t)
			// due is swept on the expiry side, late (created a minute
			// after, so not yet due then) on the purge side.
			due, late := sessions(1, t0)[0], sessions(1, t0.Add(time.Minute))[0]
			f.importAll(t, []*session.Session{due, late})
			clock := func() time.Time { return f.clock.Now().Add(lead) }
			sw := sweep.New(store.New(f.db, f.table, policy, 16, clock), slog.New(slog.NewJSONHandler(io.Discard, nil)), clock)
			steps := []struct {
				name   string
				at     time.Time // the others' clock
				id     string
				expire bool // stored EXPIRED after the run
			}{
				// The sweeper's clock 100 ns short of expiresAt + the band:
				// not yet, whatever the others' clock says.
				{"expiry, sweeper 100ns inside the band", due.ExpiresAt.Add(guard - lead - 100), due.ID, false},
				// The band passed by its own clock: the others' clock is
				// then at expiresAt or later (lead at most the band).
				{"expiry, sweeper at the band's end", due.ExpiresAt.Add(guard - lead), due.ID, true},
				// late's end is purgeAt (expiresAt + RESULT_RETENTION): the
				// sweeper at purgeAt - the band leaves it, so does one
				// behind; 100 ns earlier by its clock it still writes,
				// which by the others' is before purgeAt when it is behind
				// by up to the band.
				{"purge, sweeper at the band before it", late.ExpiresAt.Add(policy.Retention - guard - lead), late.ID, false},
				{"purge, sweeper 100ns before the band", late.ExpiresAt.Add(policy.Retention - guard - lead - 100), late.ID, true},
			}
			for _, st := range steps {
				f.clock.Set(st.at)
				r := sw.Run(ctx)
				if r.Errors != 0 || r.Deferred != 0 {
					t.Fatalf("%s: Run() = %+v; want no error, nothing deferred", st.name, r)
				}
				status, history := f.status(t, st.id)
				if got := status == session.Expired; got != st.expire {
					t.Fatalf("%s (others' clock %s, sweeper's %s ahead): stored %s; want EXPIRED %v (run %+v)", st.name, st.at.Format(time.RFC3339Nano), lead, status, st.expire, r)
				}
				if !st.expire {
					continue
				}
				v := due
				if st.id == late.ID {
					v = late
				}
				// Never before expiresAt by the others' clock, and never at
				// or past the session's end by it.
				if st.at.Before(v.ExpiresAt) || !st.at.Before(v.ExpiresAt.Add(policy.Retention)) {
					t.Errorf("%s: stored EXPIRED at %s by the others' clock, outside [expiresAt %s, end %s)", st.name, st.at.Format(time.RFC3339Nano), v.ExpiresAt.Format(time.RFC3339Nano), v.ExpiresAt.Add(policy.Retention).Format(time.RFC3339Nano))
				}
				if last := history[len(history)-1]; last.Status != session.Expired || !last.At.Equal(v.ExpiresAt) {
					t.Errorf("%s: last history entry %s at %s; want EXPIRED at expiresAt %s", st.name, last.Status, last.At.Format(time.RFC3339Nano), v.ExpiresAt.Format(time.RFC3339Nano))
				}
			}
		})
	}
}
