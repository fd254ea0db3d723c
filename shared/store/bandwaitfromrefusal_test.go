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

// TestBandRefusalWaitsUntilExpiresAtFromItsRefusal: docs/design.md §4, an
// event with an eventId "refused in the guard band before `expiresAt` …
// waits until `expiresAt`", and no longer. The request began before the
// band; its read took 30 s (the clock moved on while the SDK retried
// it), so its write, decided before the band, was refused by its
// condition, and decided again in the band, 10 s before expiresAt: the
// wait asked is those 10 s, not the 40 s since the request began. The
// band tests kept the clock still through the request, so a wait counted
// from the request's start passed them (r96-mutate); it waits past
// expiresAt, and answers 503 where a request's deadline leaves time
// enough for the 10 s.
func TestBandRefusalWaitsUntilExpiresAtFromItsRefusal(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	var slow atomic.Pointer[time.Time]
	var clock *storetest.Clock
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if to := slow.Swap(nil); op == "GetItem" && to != nil {
			clock.Set(*to)
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	table := storetest.NewTable(t, db)
	clock = storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	v := newSession("m-1", "", clock.Now(), policy)
	waited := time.Duration(-1)
	st := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(_ context.Context, d time.Duration) error {
		waited = d
		return nil
	}))
	if _, _, err := st.Create(ctx, v, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	clock.Set(v.ExpiresAt.Add(-40 * time.Second)) // before the band
	refused := v.ExpiresAt.Add(-10 * time.Second) // in it
	slow.Store(&refused)
	_, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
	if got, reason := session.ErrorCode(err), session.ErrorReason(err); got != session.ECONFLICT || reason != session.ReasonSessionExpired || waited != 10*time.Second {
		t.Errorf("event refused in the band 10 s before expiresAt = %v (%s %s), waited %v; want %s %s, waited 10s", err, got, reason, waited, session.ECONFLICT, session.ReasonSessionExpired)
	}
}
