package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestBandRefusalJudgedAgainAfterAnotherWriteLanded: an event with an
// eventId refused in a guard band waits for the band's end and is read
// again; when another change (another eventId) landed meanwhile and moved
// the session out of the band (a processor's AUTHORISED before expiresAt,
// a SETTLED before retainUntil that keeps it RESULT_RETENTION longer), the
// refusal no longer holds. Before, the event was still answered
// SESSION_EXPIRED for a session that then read AUTHORISED, or 404 for a
// session that then read 200 for most of a retention more (r97-lifecycle:
// make start-api with WRITE_GUARD=5s and make run with 2s on one table, a
// child's declined cancellation sent to the first 3.5 s before the
// retainUntil it shared with its following parent was 404 at that
// retainUntil, while the second had applied another one 3 s before it and
// both servers read child and parent AUTHORISED for 9 s more). README,
// "Lifecycle": "A session read as EXPIRED or 404 never comes back"; a
// cancel refused in a band is made again at its end and answered "as a
// cancel sent then is": so is such an event now.
func TestBandRefusalJudgedAgainAfterAnotherWriteLanded(t *testing.T) {
	ctx := context.Background()
	wide := session.Policy{Expiry: 10 * time.Minute, Retention: 10 * time.Minute, WriteGuard: 5 * time.Second}
	narrow := wide
	narrow.WriteGuard = 2 * time.Second
	tests := []struct {
		name    string
		closeAt string         // "" leaves the session open; else the processor's status that closes it first
		other   session.Status // applied by the narrow-band instance while the refused event waits
		event   session.Status // sent to the wide-band instance 3.5 s before the band's end
		want    string         // the event's answer (its reason); "" for 200
		final   session.Status // the session as read after it
	}{
		{"before expiresAt: another event authorised it", "", session.Authorised, session.Settled, "", session.Settled},
		{"before expiresAt: the same move landed under another eventId", "", session.Authorised, session.Authorised, session.ReasonInvalidTransition, session.Authorised},
		{"before retainUntil: a settlement kept it", string(session.Authorised), session.Settled, session.FraudCancellationRequested, "", session.FraudCancellationRequested},
		{"before retainUntil: the same move landed under another eventId", string(session.Authorised), session.Settled, session.Settled, session.ReasonInvalidTransition, session.Settled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
			small := store.New(db, table, narrow, 16, clock.Now)
			var otherErr error
			waits := 0
			var id string
			var until time.Time
			big := store.New(db, table, wide, 16, clock.Now, store.SettleWait(func(ctx context.Context, _ time.Duration) error {
				waits++
				// The narrow-band instance, outside its own band, applies
				// another change while this one waits; then the band ends.
				_, otherErr = small.ApplyEvent(ctx, "", id, &session.Event{Status: tt.other, EventID: "other-1"})
				clock.Set(until)
				return nil
			}))
			s := newSession("m-1", "", clock.Now(), wide)
			if _, _, err := small.Create(ctx, s, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			id = s.ID
			until = s.ExpiresAt
			if tt.closeAt != "" {
				clock.Advance(time.Minute)
				closed, err := small.ApplyEvent(ctx, "", id, &session.Event{Status: session.Status(tt.closeAt), EventID: "close-1"})
				if err != nil {
					t.Fatal(err)
				}
				until = closed.RetainUntil
			}
			clock.Set(until.Add(-3500 * time.Millisecond))
			got, err := big.ApplyEvent(ctx, "", id, &session.Event{Status: tt.event, EventID: "refused-1"})
			if otherErr != nil {
				t.Fatalf("the other instance's %s: %v; want it applied", tt.other, otherErr)
			}
			if waits != 1 {
				t.Fatalf("the refused event waited %d times; want 1", waits)
			}
			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("the event refused in the band, at its end = %v (%s); want %q", err, reason, tt.want)
			}
			if err == nil && got.Status != tt.final {
				t.Errorf("its answer %s; want %s", got.Status, tt.final)
			}
			read, err := big.Get(ctx, id)
			if err != nil {
				t.Fatalf("the session read after the answer: %v; want it readable", err)
			}
			if read.Status != tt.final {
				t.Errorf("the session reads %s; want %s", read.Status, tt.final)
			}
		})
	}
}
