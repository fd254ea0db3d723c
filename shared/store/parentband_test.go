package store_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestChildEventInFlightAtItsParentsRetentionBand: a child kept beyond its
// parent (the merchant's cancel request of the child came after the
// parent's own processor settled the parent) gets its declined
// cancellation (AUTHORISED, money) just before the guard band before the
// parent's retainUntil; that first try is still on its way to DynamoDB when
// the processor's retry of it (same eventId) is judged inside the band,
// where the parent counts as gone (409 PARENT_CLOSED). Before the fix the
// retry was answered 409 PARENT_CLOSED at once and the first try then
// landed: the child read AUTHORISED with that eventId, and the same eventId
// sent once more answered 200 (r96-writes, over HTTP on make run and make
// start-api, a proxy holding the first try's TransactWriteItems 2.5 s with
// a 4 s band: retry sent 3.5 s before the parent's retainUntil 409
// PARENT_CLOSED, first try 200 AUTHORISED 2.1 s before it). README,
// "Lifecycle": a retried eventId is acknowledged first, "for a retry sent
// while its first try is still on its way to DynamoDB too"; docs/design.md
// §4: "a decision, once reported, is final". Such a refusal of an event
// with an eventId now waits until the parent's retainUntil, as one in the
// child's own bands does, and reads the child again.
func TestChildEventInFlightAtItsParentsRetentionBand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name    string
		eventID string
		want    string // the retry's refusal (its reason); "" for 200
		waits   int    // for writes in flight: only an event with an eventId waits
	}{
		{"the retry of the write in flight learns it landed", "decline-1", "", 1},
		{"an event without eventId is refused as before, at once", "", session.ReasonParentClosed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newBandRig(t, policy)
			clock, plain, first, retry := r.clock, r.plain, r.first, r.retry
			p := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := plain.Create(ctx, p, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			c := newSession("m-1", p.ID, clock.Now(), policy)
			if _, _, err := plain.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			if _, err := plain.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			settled, err := plain.ApplyEvent(ctx, "", p.ID, &session.Event{Status: session.Settled, EventID: "settle-1"})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			if got, err := plain.Cancel(ctx, "m-1", c.ID, ""); err != nil || got.Status != session.CancelRequested {
				t.Fatalf("the merchant's cancel of the child = %v, %v; want %s", got, err, session.CancelRequested)
			}
			bandStart := settled.RetainUntil.Add(-policy.WriteGuard)
			ev := &session.Event{Status: session.Authorised, EventID: session.EventID(tt.eventID)}
			clock.Set(bandStart.Add(-time.Millisecond))
			firstDone := make(chan error, 1)
			go func() {
				_, err := first.ApplyEvent(ctx, "", c.ID, ev)
				firstDone <- err
				close(r.landed)
			}()
			<-r.hold.held
			clock.Set(bandStart.Add(time.Millisecond))
			got, err := retry.ApplyEvent(ctx, "", c.ID, ev)
			r.release()
			if err := <-firstDone; err != nil {
				t.Fatalf("first try: %v; want it applied", err)
			}
			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("retry in the parent's band = %v (%s); want %q", err, reason, tt.want)
			}
			if err == nil && got.Status != session.Authorised {
				t.Errorf("retry's answer %s; want %s", got.Status, session.Authorised)
			}
			if r.waits != tt.waits {
				t.Errorf("the retry waited %d times for writes in flight; want %d", r.waits, tt.waits)
			}
		})
	}
}

// bandRig is a table and three stores on one clock, for a write's retry
// judged in a guard band while its first try is on its way to DynamoDB:
// plain, first (whose TransactWriteItems is held until released) and retry,
// whose wait for writes in flight (SettleWait) counts itself in waits, lets
// the held first try go and ends once it has landed (close landed then): on
// this clock, which stands still, a real sleep to the band's end would only
// cost the band.
type bandRig struct {
	clock               *storetest.Clock
	plain, first, retry *store.Store
	hold                *heldWrite
	release             func()
	landed              chan struct{}
	waits               int
}

func newBandRig(t *testing.T, policy session.Policy) *bandRig {
	t.Helper()
	r := &bandRig{
		clock:  storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		hold:   &heldWrite{held: make(chan struct{}), release: make(chan struct{}), transact: true},
		landed: make(chan struct{}),
	}
	var once sync.Once
	r.release = func() { once.Do(func() { close(r.hold.release) }) }
	t.Cleanup(r.release)
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	r.plain = store.New(db, table, policy, 16, r.clock.Now)
	r.first = store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: r.hold}}), table, policy, 16, r.clock.Now)
	r.retry = store.New(db, table, policy, 16, r.clock.Now, store.SettleWait(func(ctx context.Context, _ time.Duration) error {
		r.waits++
		r.release()
		select {
		case <-r.landed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}))
	return r
}
