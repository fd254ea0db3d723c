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
	f := newSlowReadFixture(t)
	st, clock, v, slow := f.st, f.clock, f.v, &f.slow
	clock.Set(v.ExpiresAt.Add(-40 * time.Second)) // before the band
	refused := v.ExpiresAt.Add(-10 * time.Second) // in it
	slow.Store(&refused)
	_, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
	if got, reason := session.ErrorCode(err), session.ErrorReason(err); got != session.ECONFLICT || reason != session.ReasonSessionExpired || f.waited != 10*time.Second {
		t.Errorf("event refused in the band 10 s before expiresAt = %v (%s %s), waited %v; want %s %s, waited 10s", err, got, reason, f.waited, session.ECONFLICT, session.ReasonSessionExpired)
	}
}

// TestBandRefusalWaitsUntilRetainUntilFromItsRefusal: docs/design.md §4,
// an event "refused in the band before a closed session's `retainUntil`
// (404) waits until `retainUntil` likewise", and no longer, counted from
// its refusal as in the expiry band's test above: the request began
// before the band, its read took 30 s, its write was decided again in the
// band 10 s before retainUntil, so the wait asked is those 10 s. A wait
// that ended a grid step short of retainUntil passed every other test
// (r102-mutate #73): it re-reads the session while a write decided
// before the band may, by the clocks' spread, still land.
func TestBandRefusalWaitsUntilRetainUntilFromItsRefusal(t *testing.T) {
	ctx := context.Background()
	f := newSlowReadFixture(t)
	st, clock, v, slow := f.st, f.clock, f.v, &f.slow
	clock.Set(v.CreatedAt.Add(time.Minute))
	authorised, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
	if err != nil || authorised.Status != session.Authorised {
		t.Fatalf("AUTHORISED = %v, %v; want the session AUTHORISED", authorised, err)
	}
	f.waited = -1
	clock.Set(authorised.RetainUntil.Add(-40 * time.Second)) // before the band
	refused := authorised.RetainUntil.Add(-10 * time.Second) // in it
	slow.Store(&refused)
	_, err = st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Settled, EventID: "settle-1"})
	if got := session.ErrorCode(err); got != session.ENOTFOUND || f.waited != 10*time.Second {
		t.Errorf("event refused in the band 10 s before retainUntil = %v (%s), waited %v; want %s, waited 10s", err, got, f.waited, session.ENOTFOUND)
	}
}

// slowReadFixture is a store whose next GetItem, once slow holds a time,
// moves its clock to that time (a read the SDK retried while time moved
// on; no other call takes the time), and whose band waits are recorded in
// waited, not slept; v is an open session it created, with a 10-minute
// expiry, an hour's retention and a 30 s guard band.
type slowReadFixture struct {
	st     *store.Store
	clock  *storetest.Clock
	v      *session.Session
	slow   atomic.Pointer[time.Time]
	waited time.Duration // -1 until the store waits
}

func newSlowReadFixture(t *testing.T) *slowReadFixture {
	t.Helper()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	f := &slowReadFixture{waited: -1}
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op != "GetItem" {
			return nil, nil
		}
		if to := f.slow.Swap(nil); to != nil {
			f.clock.Set(*to)
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	table := storetest.NewTable(t, db)
	f.clock = storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	f.v = newSession("m-1", "", f.clock.Now(), policy)
	f.st = store.New(db, table, policy, 16, f.clock.Now, store.SettleWait(func(_ context.Context, d time.Duration) error {
		f.waited = d
		return nil
	}))
	if _, _, err := f.st.Create(context.Background(), f.v, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBandWaitCutAnswersUnavailable: docs/design.md §4, a write refused in
// the guard band before `expiresAt` "waits until `expiresAt` … and is
// checked again (503 if it cannot be …)". A wait cut short (the request's
// context ended: the store's sleep then answers 503) is answered so, for
// an event with an eventId and for a merchant's cancel alike: never the
// refusal judged again before the band's end, which a write decided
// before the band may still overturn. An ignored wait error passed every
// other test (r102-mutate #105).
func TestBandWaitCutAnswersUnavailable(t *testing.T) {
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	for _, tc := range []struct {
		name  string
		write func(context.Context, *store.Store, *session.Session) error
	}{
		{"event with an eventId", func(ctx context.Context, st *store.Store, v *session.Session) error {
			_, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
			return err
		}},
		{"merchant's cancel", func(ctx context.Context, st *store.Store, v *session.Session) error {
			_, err := st.Cancel(ctx, v.MerchantID, v.ID, "")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			v := newSession("m-1", "", clock.Now(), policy)
			waits := 0
			st := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(context.Context, time.Duration) error {
				waits++
				return session.Unavailable(context.DeadlineExceeded) // as sleep answers a context ended
			}))
			if _, _, err := st.Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			clock.Set(v.ExpiresAt.Add(-10 * time.Second)) // in the band
			err := tc.write(ctx, st, v)
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE || waits != 1 {
				t.Errorf("write in the band, its wait cut = %v (%s), %d waits; want %s, 1 wait", err, got, waits, session.EUNAVAILABLE)
			}
		})
	}
}
