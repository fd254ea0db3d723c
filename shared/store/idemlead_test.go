package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestIdempotencyKeyRememberedFromTheAttemptsInstant: a key is
// "remembered for 24 hours" (README; idempotencyPut: "The record is made at
// now (the attempt's instant)", its expiry "never before IdempotencyTTL
// has passed"). A child's create made under a parent written by an
// instance whose clock is 700 ms ahead (within maxClockLead) is made at
// the parent's instant, t0+700ms: its key is still remembered when this
// instance's clock reads t0+24h, and free from t0+24h+1s. Kills the
// mutant that computes the record's expiry from the clock instead of the
// attempt's instant (the key came free at t0+24h, 23 h 59 min 59.3 s after
// the session it names was created), which every test passed.
func TestIdempotencyKeyRememberedFromTheAttemptsInstant(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	lead := 700 * time.Millisecond
	ahead := store.New(db, table, session.DefaultPolicy, 16, func() time.Time { return clock.Now().Add(lead) })
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now)
	body := func(v *session.Session) ([]byte, error) { return []byte(`{"id":"` + v.ID + `"}`), nil }
	for _, tt := range []struct {
		name       string
		at         time.Duration // after t0, by this instance's clock
		wantReplay bool
	}{
		{"at t0+24h, remembered", 24 * time.Hour, true},
		{"at t0+24h+1s, free", 24*time.Hour + time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock.Set(t0)
			f := &fixture{db: db, table: table, clock: clock, st: st}
			p := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", clock.Now().Add(lead), session.DefaultPolicy)
			if _, _, err := ahead.Create(ctx, p, nil, 0, nil); err != nil {
				t.Fatal(err)
			}
			if !p.UpdatedAt.Equal(t0.Add(lead)) {
				t.Fatalf("parent updatedAt: got %v; want %v", p.UpdatedAt, t0.Add(lead))
			}
			idem := &store.Idempotency{MerchantID: "m-1", Key: "k-" + p.ID, RequestHash: store.HashRequest([]byte("child"))}
			c := f.newDraftSession("m-1", p.ID)
			if _, r, err := st.Create(ctx, c, idem, 201, body); err != nil || r != nil {
				t.Fatalf("first create: replay %v, err %v", r, err)
			}
			if !c.CreatedAt.Equal(t0.Add(lead)) {
				t.Fatalf("child createdAt: got %v; want %v", c.CreatedAt, t0.Add(lead))
			}
			clock.Set(t0.Add(tt.at))
			_, r, err := st.Create(ctx, f.newDraftSession("m-1", p.ID), idem, 201, body)
			if got := r != nil; got != tt.wantReplay {
				t.Fatalf("replay: got %v (err %v); want %v", got, err, tt.wantReplay)
			}
			if r != nil && r.SessionID != c.ID {
				t.Errorf("replayed session: got %v; want %v", r.SessionID, c.ID)
			}
		})
	}
}
