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

// TestBandRefusalStandsWhenNothingLanded: a refusal in a band whose session
// nothing changed meanwhile stands at the band's end, even when by then
// the session is in another band: a child kept 1.6 s beyond its parent
// (its cancel request 1.6 s after the parent's own settlement), its
// declined cancellation sent 3.5 s before the parent's retainUntil with a
// 5 s band, is refused PARENT_CLOSED (the parent counts as gone) and waits
// for the parent's retainUntil, where the child itself is in the band
// before its own. The parent is then gone, so PARENT_CLOSED is final; a
// 404 would name a child that still reads 200 (r97-lifecycle, make run:
// 404 SESSION_NOT_FOUND at the parent's retainUntil, the child read
// CANCEL_REQUESTED just after, when the wait's end judged the event again
// whether or not anything had landed).
func TestBandRefusalStandsWhenNothingLanded(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: 10 * time.Minute, WriteGuard: 5 * time.Second}
	tests := []struct {
		name  string
		after time.Duration // the child's cancel request after the parent's settlement
		want  string
	}{
		{"the child's own band reached at the parent's end", 1600 * time.Millisecond, session.ReasonParentClosed},
		{"the child's own band not reached", time.Minute, session.ReasonParentClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
			var until time.Time
			waits := 0
			st := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(ctx context.Context, d time.Duration) error {
				waits++
				clock.Advance(d)
				return nil
			}))
			p, c := createFamily(t, st, st, clock.Now(), clock.Now(), policy)
			clock.Advance(time.Second)
			if _, err := st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			settled, err := st.ApplyEvent(ctx, "", p.ID, &session.Event{Status: session.Settled, EventID: "settle-1"})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(tt.after)
			if got, err := st.Cancel(ctx, "m-1", c.ID, ""); err != nil || got.Status != session.CancelRequested {
				t.Fatalf("the merchant's cancel of the child = %v, %v; want %s", got, err, session.CancelRequested)
			}
			until = settled.RetainUntil
			clock.Set(until.Add(-3500 * time.Millisecond))
			_, err = st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "decline-1"})
			if got := session.ErrorReason(err); got != tt.want {
				t.Fatalf("the child's declined cancellation in its parent's band = %v (%s); want %s", err, got, tt.want)
			}
			if waits != 1 {
				t.Errorf("it waited %d times; want 1", waits)
			}
			if !clock.Now().Equal(until) {
				t.Errorf("answered at %v; want the parent's retainUntil %v", clock.Now(), until)
			}
		})
	}
}

// TestParentBandRefusalJudgedAgainAfterTheParentChanged: a child's event
// refused PARENT_CLOSED in its parent's band waits for the parent's
// retainUntil; when the parent's own processor settled the parent
// meanwhile (at an instance with a narrower band), keeping it
// RESULT_RETENTION longer and showing money, the refusal no longer holds.
// Before, it stood: r97-lifecycle, make run or make start-api with 5 s
// beside make run with 1 s on one table, a child kept 6 s beyond its
// parent (AUTHORISED by its own processor after a declined cancellation),
// its declined cancellation sent 3.5 s before the parent's retainUntil was
// 409 PARENT_CLOSED at that retainUntil, the parent's SETTLED having landed
// 3 s before it, and the same eventId sent 0.03 s later 200 AUTHORISED
// (README, "Lifecycle": a decision, once reported, is final).
func TestParentBandRefusalJudgedAgainAfterTheParentChanged(t *testing.T) {
	ctx := context.Background()
	wide := session.Policy{Expiry: 10 * time.Minute, Retention: 10 * time.Minute, WriteGuard: 5 * time.Second}
	narrow := wide
	narrow.WriteGuard = time.Second
	tests := []struct {
		name   string
		parent session.Status // the parent's own processor's, at the narrow instance, while the child's event waits; "" for none
		want   string
	}{
		{"the parent settled meanwhile", session.Settled, ""},
		{"nothing landed", "", session.ReasonParentClosed},
		{"the parent's money canceled meanwhile", session.CancelRequested, session.ReasonParentClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
			small := store.New(db, table, narrow, 16, clock.Now)
			var pid string
			var until time.Time
			var otherErr error
			big := store.New(db, table, wide, 16, clock.Now, store.SettleWait(func(ctx context.Context, _ time.Duration) error {
				if tt.parent != "" {
					_, otherErr = small.ApplyEvent(ctx, "", pid, &session.Event{Status: tt.parent, EventID: "parent-2"})
				}
				clock.Set(until)
				return nil
			}))
			p, c := createFamily(t, big, big, clock.Now(), clock.Now(), wide)
			pid = p.ID
			clock.Advance(time.Second)
			if _, err := big.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			if _, err := big.ApplyEvent(ctx, "", p.ID, &session.Event{Status: session.CancelRequested, EventID: "parent-0"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			declined, err := big.ApplyEvent(ctx, "", p.ID, &session.Event{Status: session.Authorised, EventID: "parent-1"})
			if err != nil {
				t.Fatal(err)
			}
			until = declined.RetainUntil
			clock.Advance(time.Minute)
			if got, err := big.Cancel(ctx, "m-1", c.ID, ""); err != nil || got.Status != session.CancelRequested {
				t.Fatalf("the merchant's cancel of the child = %v, %v; want %s", got, err, session.CancelRequested)
			}
			clock.Set(until.Add(-3500 * time.Millisecond))
			ev := &session.Event{Status: session.Authorised, EventID: "decline-1"}
			reason := func(err error) string {
				if err == nil {
					return ""
				}
				return session.ErrorReason(err)
			}
			_, err = big.ApplyEvent(ctx, "", c.ID, ev)
			if otherErr != nil {
				t.Fatalf("the parent's %s at the narrow instance: %v; want it applied", tt.parent, otherErr)
			}
			if got := reason(err); got != tt.want {
				t.Fatalf("the child's declined cancellation at the parent's retainUntil = %v (%q); want %q", err, got, tt.want)
			}
			// The same eventId sent again at once is answered alike.
			_, again := big.ApplyEvent(ctx, "", c.ID, ev)
			if got := reason(again); got != tt.want {
				t.Errorf("the same event sent again = %v (%q); want %q", again, got, tt.want)
			}
		})
	}
}
