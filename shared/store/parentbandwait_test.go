package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// familyStore is what TestParentBandWaitsOnlyForWhatCouldLand drives on
// both stores.
type familyStore interface {
	Create(ctx context.Context, v *session.Session, idem *store.Idempotency, status int, render func(*session.Session) ([]byte, error)) ([]byte, *store.Replay, error)
	ApplyEvent(ctx context.Context, merchantID, id string, ev *session.Event) (*session.Session, error)
	Cancel(ctx context.Context, merchantID, id, reason string) (*session.Session, error)
}

// TestParentBandWaitsOnlyForWhatCouldLand: a child's event refused 409
// PARENT_CLOSED in the band before its parent's retainUntil waits for that
// retainUntil only when the same event's first try, decided on the same
// parent and child just before the band, could have been accepted and so
// may still land (README, "Lifecycle": such a refusal waits "because its
// parent is in the band"). An event that the parent as it is, or the
// child's own lifecycle, refuses outside the band too (a parent its own
// processor moved to FRAUD_CANCELLATION_REQUESTED, a parent its merchant
// canceled, a CANCEL_REQUESTED child's SETTLED, an AUTHORISED child's
// AUTHORISED) has no first try that can land: it waited WRITE_GUARD for
// nothing, and with a WRITE_GUARD past the request's time was 503 where
// its answer is final. Nothing is in flight here, so every case answers as
// the memory store does.
func TestParentBandWaitsOnlyForWhatCouldLand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 2 * time.Second}
	const m = "m-1"
	ev := func(s session.Status, id string) *session.Event {
		return &session.Event{Status: s, EventID: session.EventID(id)}
	}
	tests := []struct {
		name string
		// parent runs on the parent, once the child is AUTHORISED (the
		// parent AUTHORISED with it); child then on the child. The event
		// is sent in the band before the parent's retainUntil.
		parent []*session.Event
		cancel bool // the merchant cancels the parent, after parent
		child  []*session.Event
		event  *session.Event
		waits  int
	}{
		{"a declined cancellation under a SETTLED parent may land", []*session.Event{ev(session.Settled, "p-1")}, false,
			nil, ev(session.Authorised, "decline-1"), 1},
		{"a settlement under a SETTLED parent may land", []*session.Event{ev(session.Settled, "p-1")}, false,
			[]*session.Event{ev(session.Authorised, "decline-0")}, ev(session.Settled, "settle-1"), 1},
		{"a parent in FRAUD_CANCELLATION_REQUESTED refuses it before the band", []*session.Event{ev(session.Settled, "p-1"), ev(session.FraudCancellationRequested, "p-2")}, false,
			nil, ev(session.Authorised, "decline-1"), 0},
		{"a parent its merchant canceled refuses it before the band", nil, true,
			nil, ev(session.Authorised, "decline-1"), 0},
		{"a CANCEL_REQUESTED child's SETTLED is no transition", []*session.Event{ev(session.Settled, "p-1")}, false,
			nil, ev(session.Settled, "settle-1"), 0},
		{"an AUTHORISED child's AUTHORISED is no transition", []*session.Event{ev(session.Settled, "p-1")}, false,
			[]*session.Event{ev(session.Authorised, "decline-0")}, ev(session.Authorised, "auth-2"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			clock := storetest.NewClock(start)
			waits := 0
			dynamo := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(context.Context, time.Duration) error {
				waits++
				return nil
			}))
			memClock := storetest.NewClock(start)
			memory := storetest.NewMemory(policy, memClock.Now)
			var answers [2]string
			for i, s := range []familyStore{dynamo, memory} {
				c := clock
				if i == 1 {
					c = memClock
				}
				p := newSession(m, "", c.Now(), policy)
				if _, _, err := s.Create(ctx, p, nil, 201, nil); err != nil {
					t.Fatal(err)
				}
				k := newSession(m, p.ID, c.Now(), policy)
				if _, _, err := s.Create(ctx, k, nil, 201, nil); err != nil {
					t.Fatal(err)
				}
				c.Advance(time.Minute)
				if _, err := s.ApplyEvent(ctx, "", k.ID, ev(session.Authorised, "auth-1")); err != nil {
					t.Fatal(err)
				}
				var last *session.Session
				for _, e := range tt.parent {
					c.Advance(time.Minute)
					v, err := s.ApplyEvent(ctx, "", p.ID, e)
					if err != nil {
						t.Fatalf("parent's %s: %v", e.Status, err)
					}
					last = v
				}
				if tt.cancel {
					c.Advance(time.Minute)
					v, err := s.Cancel(ctx, m, p.ID, "")
					if err != nil {
						t.Fatalf("merchant's cancel of the parent: %v", err)
					}
					last = v
				}
				c.Advance(time.Minute)
				if _, err := s.Cancel(ctx, m, k.ID, ""); err != nil {
					t.Fatalf("merchant's cancel of the child: %v", err)
				}
				for _, e := range tt.child {
					c.Advance(time.Minute)
					if _, err := s.ApplyEvent(ctx, "", k.ID, e); err != nil {
						t.Fatalf("child's %s: %v", e.Status, err)
					}
				}
				if last.RetainUntil.IsZero() {
					t.Fatalf("parent %s has no retainUntil", last.Status)
				}
				c.Set(last.RetainUntil.Add(-policy.WriteGuard).Add(time.Millisecond))
				_, err := s.ApplyEvent(ctx, "", k.ID, tt.event)
				answers[i] = session.ErrorReason(err)
				if err == nil {
					t.Fatalf("event in the parent's band applied; want a refusal")
				}
			}
			if answers[0] != answers[1] {
				t.Errorf("refusal %q; want %q (the memory store's)", answers[0], answers[1])
			}
			if waits != tt.waits {
				t.Errorf("waited %d times for writes in flight; want %d", waits, tt.waits)
			}
		})
	}
}
