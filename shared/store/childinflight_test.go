package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestChildCreateInFlightAtTheParentsBand: a merchant's create of a child
// with an Idempotency-Key, decided just before its parent's guard band
// before expiresAt, is still on its way to DynamoDB when the merchant's
// retry of it (same key, same body) is judged inside the band. Before, the
// retry was answered 409 PARENT_NOT_OPEN at once (the key's record not yet
// there) and the first try then landed: the parent links a child the
// merchant was told was never made, and the same key replays its 201 from
// then on. README: "a failed (4xx) request does not use up its key"; a
// 409 says nothing was created. As an event with an eventId refused in a
// band does (landedMeanwhile), such a refusal now waits until the parent's
// expiresAt, by when every write decided before the band has landed or
// been cut off, and reads the key again: the first answer when its create
// landed, else the refusal. A create without a key cannot be retried (each
// is a new session) and is refused at once.
func TestChildCreateInFlightAtTheParentsBand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	render := func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil }
	tests := []struct {
		name  string
		key   bool // both tries carry one Idempotency-Key, for one body
		want  string
		waits int
	}{
		{"the retry under the key learns the first try landed", true, "", 1},
		{"a create without a key is refused at once", false, session.ReasonParentNotOpen, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idem := func() *store.Idempotency {
				if !tt.key {
					return nil
				}
				return &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: store.HashRequest([]byte("child"))}
			}
			r := newBandRig(t, policy)
			clock, plain, first, retry := r.clock, r.plain, r.first, r.retry
			parent := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := plain.Create(ctx, parent, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			bandStart := parent.ExpiresAt.Add(-policy.WriteGuard)

			clock.Set(bandStart.Add(-time.Millisecond))
			child := newSession("m-1", parent.ID, clock.Now(), policy)
			firstErr := make(chan error, 1)
			go func() {
				_, _, err := first.Create(ctx, child, idem(), 201, render)
				firstErr <- err
				close(r.landed)
			}()
			<-r.hold.held
			clock.Set(bandStart.Add(time.Millisecond))
			_, replay, err := retry.Create(ctx, newSession("m-1", parent.ID, clock.Now(), policy), idem(), 201, render)
			r.release()
			if err := <-firstErr; err != nil {
				t.Fatalf("first try: %v; want it applied", err)
			}

			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("retry in the parent's band = %v (%q); want %q", err, reason, tt.want)
			}
			if tt.want == "" && (replay == nil || string(replay.Body) != child.ID) {
				t.Errorf("retry in the parent's band = replay %+v; want the first try's answer (%s)", replay, child.ID)
			}
			if r.waits != tt.waits {
				t.Errorf("the retry waited %d times for writes in flight; want %d", r.waits, tt.waits)
			}
			got, err := plain.Get(ctx, parent.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.ChildSessionID != child.ID {
				t.Errorf("the parent's child is %q; want the first try's %s", got.ChildSessionID, child.ID)
			}
		})
	}
}

// TestChildCreateRefusedInTheParentsBand: which refusals of a child's
// create with an Idempotency-Key wait for the parent's expiresAt before the
// key is read again (adoptBandEnd), and what they then answer. Only a
// refusal by the band itself waits, of an adoption that would have been
// made just before it; one the parent would have refused before the band
// too (another open child it holds), one read at or after expiresAt, and
// one of a parent closed as stored have no first try that can land and are
// answered at once. Nothing landing meanwhile, the refusal stands; a key
// the first try of another body took meanwhile is IDEMPOTENCY_KEY_REUSED.
func TestChildCreateRefusedInTheParentsBand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 2 * time.Second}
	render := func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil }
	tests := []struct {
		name string
		// at is the retry's instant, from the parent's expiresAt.
		at time.Duration
		// openChild gives the parent an open child before the band.
		openChild bool
		// openChildEnd, when not zero, gives the parent an open child
		// before the band whose expiresAt is the parent's plus it.
		openChildEnd time.Duration
		// canceled closes the parent before the band.
		canceled bool
		// meanwhile lands another body's create under the key during
		// the wait.
		meanwhile bool
		want      string
		waits     int
	}{
		{"nothing landed: the refusal at expiresAt", -time.Second, false, 0, false, false, session.ReasonParentNotOpen, 1},
		{"the band's first instant waits", -policy.WriteGuard, false, 0, false, false, session.ReasonParentNotOpen, 1},
		{"just before the band: made", -policy.WriteGuard - time.Millisecond, false, 0, false, false, "", 0},
		{"another body under the key landed meanwhile", -time.Second, false, 0, false, true, session.ReasonIdempotencyReused, 1},
		{"another open child: at once", -time.Second, true, 0, false, false, session.ReasonParentNotOpen, 0},
		{"another open child expiring just before the band's last instant waits", -time.Second, false, -500 * time.Millisecond, false, false, session.ReasonParentNotOpen, 1},
		{"read at expiresAt: at once", 0, false, 0, false, false, session.ReasonParentNotOpen, 0},
		{"a parent closed as stored: at once", -time.Second, false, 0, true, false, session.ReasonParentNotOpen, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			plain := store.New(db, table, policy, 16, clock.Now)
			parent := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := plain.Create(ctx, parent, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			if tt.openChild {
				if _, _, err := plain.Create(ctx, newSession("m-1", parent.ID, clock.Now(), policy), nil, 201, nil); err != nil {
					t.Fatal(err)
				}
			}
			if tt.openChildEnd != 0 {
				// A store whose sessions expire openChildEnd from the
				// parent's expiresAt makes the child.
				short := policy
				short.Expiry += tt.openChildEnd
				if _, _, err := store.New(db, table, short, 16, clock.Now).Create(ctx, newSession("m-1", parent.ID, clock.Now(), short), nil, 201, nil); err != nil {
					t.Fatal(err)
				}
			}
			if tt.canceled {
				if _, err := plain.Cancel(ctx, "m-1", parent.ID, ""); err != nil {
					t.Fatal(err)
				}
			}
			idem := func(body string) *store.Idempotency {
				return &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: store.HashRequest([]byte(body))}
			}
			waits := 0
			retry := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(context.Context, time.Duration) error {
				waits++
				if tt.meanwhile {
					// Another request's create under the key, as a
					// standalone session, lands during the wait.
					if _, _, err := plain.Create(ctx, newSession("m-1", "", clock.Now(), policy), idem("other"), 201, render); err != nil {
						return err
					}
				}
				return nil
			}))
			clock.Set(parent.ExpiresAt.Add(tt.at))
			child := newSession("m-1", parent.ID, clock.Now(), policy)
			_, replay, err := retry.Create(ctx, child, idem("child"), 201, render)
			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("create at expiresAt%+v = %v (%q), replay %+v; want %q", tt.at, err, reason, replay, tt.want)
			}
			if err == nil && replay != nil {
				t.Errorf("create at expiresAt%+v = replay %+v; want a new child", tt.at, replay)
			}
			if waits != tt.waits {
				t.Errorf("the create waited %d times for writes in flight; want %d", waits, tt.waits)
			}
		})
	}
}
