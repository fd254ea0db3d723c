package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestIdempotencyExpiryRoundsUpOnlyAFraction: README's table, "idempotency
// record | … | its expiry and `ttl`: 24 h on, rounded up to the second", and
// "Keys are per merchant and remembered for 24 hours". A key first used at
// a whole second is free again exactly 24 h on, not a second later; one
// first used any fraction past a second (100 ns, the stored times'
// resolution) is free from the next whole second, never before 24 h have
// passed. Kills epochCeil's `t.Nanosecond() > 0` → `>= 0` (a whole second
// rounded up a second too far), which no engine test saw: their instants
// all carry a fraction.
func TestIdempotencyExpiryRoundsUpOnlyAFraction(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name  string
		first time.Time
		want  time.Time
	}{
		{"a whole second", t0, t0.Add(day)},
		{"100 ns past a second", t0.Add(100 * time.Nanosecond), t0.Add(day + time.Second)},
		// An instant read off a clock, not yet stored: "rounded up to the
		// second" holds for any fraction. Kills `> 0` → `> 1`.
		{"1 ns past a second", t0.Add(time.Nanosecond), t0.Add(day + time.Second)},
		{"0.7 s past a second", t0.Add(700 * time.Millisecond), t0.Add(day + time.Second)},
		{"100 ns before a second", t0.Add(-100 * time.Nanosecond), t0.Add(day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.IdempotencyExpiry(tt.first); got != tt.want.Unix() {
				t.Errorf("IdempotencyExpiry(%s) = %s; want %s", tt.first.Format(time.RFC3339Nano),
					time.Unix(got, 0).UTC().Format(time.RFC3339), tt.want.Format(time.RFC3339))
			}
		})
	}
}

// TestIdempotencyKeyFreedBetweenItsRefusalAndItsRead: README's 409 row,
// "idempotency key reused or still in use", for a create whose write lost
// to another create of its key made meanwhile, and which then found the
// key free when it read the record (the record expired in between): a new
// race for the key, answered 409 IDEMPOTENCY_KEY_IN_USE so the client
// retries with the same key, with no session stored. Kills replay's check
// dropped (store.go mutant 175): Create then answered neither a session
// nor a replay nor an error.
func TestIdempotencyKeyFreedBetweenItsRefusalAndItsRead(t *testing.T) {
	ctx := context.Background()
	var f *fixture
	idem := &store.Idempotency{MerchantID: "m-1", Key: "key-1", RequestHash: store.HashRequest([]byte("body"))}
	newSession := func() *session.Session {
		return session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
	}
	var step atomic.Int32 // 1: before the write; 2: the write sent
	hook := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		race := op == "TransactWriteItems" && step.CompareAndSwap(1, 2)
		if race {
			// Another create of the key lands first.
			if _, r, err := f.clean().Create(ctx, newSession(), idem, 201, idBody); err != nil || r != nil {
				t.Errorf("the other Create() = %+v, %v; want a new session", r, err)
			}
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if race && err == nil && res.StatusCode == http.StatusBadRequest {
			// Its record expires before this create reads it.
			f.clock.Set(time.Unix(store.IdempotencyExpiry(f.clock.Now()), 0))
			step.Store(3)
		}
		return res, err
	})
	f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	step.Store(1)
	v := newSession()
	_, r, err := f.st.Create(ctx, v, idem, 201, idBody)
	if step.Load() != 3 {
		t.Fatalf("the race was not run (step %d): the test tests nothing", step.Load())
	}
	if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != session.ReasonIdempotencyPending || r != nil {
		t.Fatalf("Create() = %+v, %v; want 409 %s", r, err, session.ReasonIdempotencyPending)
	}
	if _, err := f.st.Get(ctx, v.ID); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("the refused create's session: got %v; want none stored", err)
	}
}
