package store_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// heldWrite holds the first UpdateItem or PutItem it sees (the first
// TransactWriteItems too when transact is set) until release is closed,
// telling held when it has it: a write decided and sent, still on its way
// to DynamoDB.
type heldWrite struct {
	held, release chan struct{}
	seen          bool
	transact      bool
}

func (h *heldWrite) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.Header.Get("X-Amz-Target")
	switch {
	case target == "DynamoDB_20120810.UpdateItem", target == "DynamoDB_20120810.PutItem",
		h.transact && target == "DynamoDB_20120810.TransactWriteItems":
		if !h.seen {
			h.seen = true
			close(h.held)
			<-h.release
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// inFlightGuard is the guard band of the tests that hold a first try's
// write in flight across its band's start (heldWrite). The held write's
// call is cut off WriteTimeout (four fifths of the band) after it was
// made, in wall time; within that the retry reads DynamoDB (and, where it
// waits, is told the first try's call is under way), then the held write
// is released and applied by DynamoDB. At a 2 s band that was 1.6 s for a
// GetItem and a PutItem, UpdateItem or TransactWriteItems, and a loaded
// machine outlasted it: "first try: context deadline exceeded"
// (TestCancelInFlightAtTheGuardBands, r98-flakes, load 8-12). The bands'
// instants are on the tests' own clock, which stands still, and the
// retry's wait for writes in flight is the test's, so a 30 s band (a 24 s
// cut-off, 15 times the room) costs no wall time.
const inFlightGuard = 30 * time.Second

// afterFirstRead runs then once, after the first GetItem's answer.
type afterFirstRead struct{ then func() }

func (a *afterFirstRead) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if req.Header.Get("X-Amz-Target") == "DynamoDB_20120810.GetItem" && a.then != nil {
		a.then()
		a.then = nil
	}
	return res, err
}

// settleWhen is a store's wait for writes in flight that ends when landed
// closes (or the request's context ends), counting its waits in waits if
// not nil.
func settleWhen(landed <-chan struct{}, waits *int) store.Option {
	return store.SettleWait(func(ctx context.Context, _ time.Duration) error {
		if waits != nil {
			*waits++
		}
		select {
		case <-landed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// retryBesideHeldFirstTry sends ev's first try through first just before
// bandStart and holds its write (hold), then sends the retry through retry
// just inside the band, letting the first try land only once the retry has
// read the session without it (read); landed closes when the first try has
// ended. It returns the retry's answer; the first try must be applied.
func retryBesideHeldFirstTry(t *testing.T, ctx context.Context, clock *storetest.Clock, first, retry *store.Store,
	hold *heldWrite, read *afterFirstRead, landed chan struct{}, id string, ev *session.Event, bandStart time.Time) (*session.Session, error) {
	t.Helper()
	return retryBesideHeldFirst(t, clock, first, retry, hold, read, landed, bandStart, func(s *store.Store) (*session.Session, error) {
		return s.ApplyEvent(ctx, "", id, ev)
	})
}

// inFlightRig is a fresh table with three stores on one clock: plain, for
// setting a session up; first, whose first write is held (hold) until the
// retry has read the session (read); and retry, whose wait for writes in
// flight ends when the first try has ended (landed), counted in the waits
// given to newInFlightRig.
type inFlightRig struct {
	clock               *storetest.Clock
	plain, first, retry *store.Store
	hold                *heldWrite
	read                *afterFirstRead
	landed              chan struct{}
}

// newInFlightRig returns a rig and m-1's session created in it.
func newInFlightRig(t *testing.T, policy session.Policy, waits *int) (*inFlightRig, *session.Session) {
	t.Helper()
	r := &inFlightRig{
		hold:   &heldWrite{held: make(chan struct{}), release: make(chan struct{})},
		read:   &afterFirstRead{},
		landed: make(chan struct{}),
		clock:  storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
	}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	r.plain = store.New(db, table, policy, 16, r.clock.Now)
	r.first = store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: r.hold}}), table, policy, 16, r.clock.Now)
	r.retry = store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: r.read}}), table, policy, 16, r.clock.Now,
		settleWhen(r.landed, waits))
	v := newSession("m-1", "", r.clock.Now(), policy)
	if _, _, err := r.plain.Create(context.Background(), v, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	return r, v
}

// wantStatus checks that session id reads want once both tries ended.
func (r *inFlightRig) wantStatus(t *testing.T, id string, want session.Status) {
	t.Helper()
	got, err := r.plain.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != want {
		t.Errorf("after both tries the session is %s; want %s", got.Status, want)
	}
}

// retryBesideHeldFirst is retryBesideHeldFirstTry for any write on the
// rig: try sends it through a store.
func (r *inFlightRig) retryBesideHeldFirst(t *testing.T, bandStart time.Time, try func(*store.Store) (*session.Session, error)) (*session.Session, error) {
	t.Helper()
	return retryBesideHeldFirst(t, r.clock, r.first, r.retry, r.hold, r.read, r.landed, bandStart, try)
}

// retryBesideHeldFirst is retryBesideHeldFirstTry for any write: try sends
// it through a store.
func retryBesideHeldFirst(t *testing.T, clock *storetest.Clock, first, retry *store.Store,
	hold *heldWrite, read *afterFirstRead, landed chan struct{}, bandStart time.Time, try func(*store.Store) (*session.Session, error)) (*session.Session, error) {
	t.Helper()
	clock.Set(bandStart.Add(-time.Millisecond))
	firstDone := make(chan error, 1)
	go func() {
		_, err := try(first)
		firstDone <- err
		close(landed)
	}()
	<-hold.held
	clock.Set(bandStart.Add(time.Millisecond))
	read.then = func() { close(hold.release) }
	got, err := try(retry)
	if err := <-firstDone; err != nil {
		t.Fatalf("first try: %v; want it applied", err)
	}
	return got, err
}

// TestEventInFlightAtTheGuardBand: a processor's AUTHORISED, decided just
// before the guard band before expiresAt, is still on its way to DynamoDB
// (slow, retried by the SDK) when the processor's retry of it (same
// eventId) is judged inside the band, in another container or this one.
// Before the fix the retry was answered 409 SESSION_EXPIRED, and the first
// try then landed: the session reads AUTHORISED while the processor, told
// its event was refused ("Processors must treat that 409 as final"), voids
// the authorisation the merchant now ships on. Seen over HTTP on make run:
// of 40 copies sent around the band's start, 2 answered 200 and 38 409
// SESSION_EXPIRED, and the session read AUTHORISED. docs/design.md §4:
// "An eventId already applied is acknowledged with 200"; "a decision, once
// reported, is final". A refusal in the band of an event with an eventId
// now waits until every write decided before the band has landed or been
// cut off (by expiresAt; TestEventLandingInTheBandsLastFifth), and reads
// again.
func TestEventInFlightAtTheGuardBand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name    string
		eventID string
		want    string // the retry's refusal; "" for 200
	}{
		{"the retry of the write in flight learns it landed", "auth-1", ""},
		{"an event without eventId is refused as before", "", session.ReasonSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hold := &heldWrite{held: make(chan struct{}), release: make(chan struct{})}
			read := &afterFirstRead{}
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			first := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hold}}), table, policy, 16, clock.Now)
			// The retry's wait for writes in flight ends when the first
			// try's has landed: on this clock, which stands still, a real
			// sleep until expiresAt would only cost the band's 30 s.
			landed := make(chan struct{})
			retry := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: read}}), table, policy, 16, clock.Now,
				settleWhen(landed, nil))
			v := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := store.New(db, table, session.DefaultPolicy, 16, clock.Now).Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			bandStart := v.ExpiresAt.Add(-policy.WriteGuard)
			ev := &session.Event{Status: session.Authorised, EventID: session.EventID(tt.eventID)}
			got, err := retryBesideHeldFirstTry(t, ctx, clock, first, retry, hold, read, landed, v.ID, ev, bandStart)
			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("retry in the band = %v (%s); want %q", err, reason, tt.want)
			}
			if err == nil && got.Status != session.Authorised {
				t.Errorf("retry's answer %s; want %s", got.Status, session.Authorised)
			}
		})
	}
}

// failReadsAfter passes every call to DynamoDB until armed, then fails
// every GetItem as a connection that drops would.
type failReadsAfter struct{ armed atomic.Bool }

func (f *failReadsAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	if f.armed.Load() && req.Header.Get("X-Amz-Target") == "DynamoDB_20120810.GetItem" {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestBandRefusalUnreadIsUnknown: a refusal in the band that waits for
// writes in flight (landedMeanwhile) and then cannot read the session again
// (DynamoDB failing, or the request's deadline reached as the wait ends)
// does not know whether the event's first try landed meanwhile. Before, it
// answered the refusal, 409 SESSION_EXPIRED, which a processor treats as
// final ("Processors must treat that 409 as final"), for an event the
// session may show applied; the answer is the read's failure, 503, and the
// retry that follows learns the outcome.
func TestBandRefusalUnreadIsUnknown(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 2 * time.Second}
	tests := []struct {
		name string
		// fail makes the read after the wait fail.
		fail func(cancel context.CancelFunc, reads *failReadsAfter)
	}{
		{"DynamoDB fails the read", func(_ context.CancelFunc, reads *failReadsAfter) { reads.armed.Store(true) }},
		{"the request's deadline ends with the wait", func(cancel context.CancelFunc, _ *failReadsAfter) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reads := &failReadsAfter{}
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			v := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := store.New(db, table, session.DefaultPolicy, 16, clock.Now).Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			defer cancel()
			retry := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: reads}, MaxAttempts: 1}), table, policy, 16, clock.Now,
				store.SettleWait(func(context.Context, time.Duration) error {
					tt.fail(cancel, reads)
					return nil
				}))
			clock.Set(v.ExpiresAt.Add(-policy.WriteGuard).Add(time.Millisecond))
			_, err := retry.ApplyEvent(rctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Errorf("retry in the band whose read again failed = %v (%s %s); want %s", err, got, session.ErrorReason(err), session.EUNAVAILABLE)
			}
		})
	}
}

// TestEventLandingInTheBandsLastFifth: a first try's write is cut off
// WriteTimeout after the band began by its own instance's clock, but a
// request already sent when its call is cut off is applied when DynamoDB
// gets to it, and an instance whose clock is behind cuts its call off
// later; the band's last fifth absorbs both (Store.WriteTimeout's doc). A
// retry refused in the band therefore reads again at expiresAt, not at the
// cut-off: before, it read again at the cut-off and answered 409
// SESSION_EXPIRED ("Processors must treat that 409 as final") for an event
// that landed just after it, which the session then shows AUTHORISED.
func TestEventLandingInTheBandsLastFifth(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name string
		// lands is how long after the cut-off (band start + WriteTimeout)
		// the first try's write is applied.
		lands time.Duration
		want  string // the retry's refusal; "" for 200
	}{
		{"applied 1 ms after the cut-off", time.Millisecond, ""},
		{"applied just before expiresAt", policy.WriteGuard/5 - 100*time.Nanosecond, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hold := &heldWrite{held: make(chan struct{}), release: make(chan struct{})}
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			first := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hold}}), table, policy, 16, clock.Now)
			v := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := store.New(db, table, session.DefaultPolicy, 16, clock.Now).Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			bandStart := v.ExpiresAt.Add(-policy.WriteGuard)
			landsAt := bandStart.Add(first.WriteTimeout() + tt.lands)
			ev := &session.Event{Status: session.Authorised, EventID: "auth-1"}

			clock.Set(bandStart.Add(-time.Millisecond))
			firstDone := make(chan error, 1)
			go func() {
				_, err := first.ApplyEvent(ctx, "", v.ID, ev)
				firstDone <- err
			}()
			<-hold.held
			// The retry waits on the shared clock: the first try's write
			// is applied when that clock reaches landsAt.
			var released sync.Once
			land := func() {
				released.Do(func() {
					close(hold.release)
					if err := <-firstDone; err != nil {
						t.Errorf("first try: %v; want it applied", err)
					}
				})
			}
			defer land() // a retry that never waited leaves no write held
			retry := store.New(db, table, policy, 16, clock.Now,
				store.SettleWait(func(_ context.Context, d time.Duration) error {
					clock.Set(clock.Now().Add(d))
					if !clock.Now().Before(landsAt) {
						land()
					}
					return nil
				}))
			clock.Set(bandStart.Add(time.Millisecond))
			got, err := retry.ApplyEvent(ctx, "", v.ID, ev)
			reason := ""
			if err != nil {
				reason = session.ErrorReason(err)
			}
			if reason != tt.want {
				t.Fatalf("retry in the band, first try applied %v after the cut-off = %v (%s); want %q", tt.lands, err, reason, tt.want)
			}
			if err == nil && got.Status != session.Authorised {
				t.Errorf("retry's answer %s; want %s", got.Status, session.Authorised)
			}
		})
	}
}

// TestBandRefusalPastTheDeadlineAnswersAtOnce: a refusal in the band whose
// request's deadline comes before expiresAt (a WRITE_GUARD longer than the
// function's time) cannot learn whether the event's first try lands, so it
// answers 503 at once instead of waiting out its time for the same 503.
// Before, it waited (here the wait returns at once, as if the deadline
// were not near) and answered the refusal, 409 SESSION_EXPIRED.
// docs/openapi.yaml, "An event with an `eventId` refused within
// `WRITE_GUARD` of `expiresAt` is held until `expiresAt` (up to
// `WRITE_GUARD` longer) and read again ... if that read fails, or the
// request's time would run out before `expiresAt` (then at once), it is
// 503" (the operation's description once said only that such an event is
// 409 SESSION_EXPIRED).
func TestBandRefusalPastTheDeadlineAnswersAtOnce(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	tests := []struct {
		name     string
		deadline time.Duration // from now; 0 for none
		want     session.Code  // "" for the refusal after the wait
	}{
		{"deadline before expiresAt", 5 * time.Second, session.EUNAVAILABLE},
		{"no deadline", 0, ""},
		{"deadline after expiresAt", time.Minute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clock, retry, wait := bandSession(t, policy)
			rctx := ctx
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				rctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			clock.Set(v.ExpiresAt.Add(-policy.WriteGuard).Add(time.Millisecond))
			_, err := retry.ApplyEvent(rctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
			want, wantWait, waited := tt.want, tt.want == "", *wait >= 0
			if want == "" {
				want = session.ECONFLICT
			}
			if got := session.ErrorCode(err); got != want || waited != wantWait {
				t.Errorf("refusal in the band with a deadline %v from now = %v (%s), waited %v; want %s, waited %v", tt.deadline, err, got, waited, want, wantWait)
			}
			// Its answer exists only from expiresAt: a retry sooner would
			// be 503 again (Retry-After says so, not 1).
			if wantAfter := v.ExpiresAt.Sub(clock.Now()); want == session.EUNAVAILABLE && session.RetryAfter(err) != wantAfter {
				t.Errorf("503 for a deadline before expiresAt: retry after %v; want %v", session.RetryAfter(err), wantAfter)
			}
		})
	}
}

// bandSession creates a session under policy on a fresh table, on a clock
// of its own, and answers it, the clock, and a store on that clock whose
// wait for writes in flight (store.SettleWait) records the wait asked
// instead of sleeping (-1 until one is asked).
func bandSession(t *testing.T, policy session.Policy) (*session.Session, *storetest.Clock, *store.Store, *time.Duration) {
	t.Helper()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	v := newSession("m-1", "", clock.Now(), policy)
	if _, _, err := store.New(db, table, session.DefaultPolicy, 16, clock.Now).Create(context.Background(), v, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	waited := time.Duration(-1)
	retry := store.New(db, table, policy, 16, clock.Now, store.SettleWait(func(_ context.Context, d time.Duration) error {
		waited = d
		return nil
	}))
	return v, clock, retry, &waited
}

// TestBandRefusalWaitsToTheInstant: the instants of a refusal in the band
// before expiresAt (landedMeanwhile). A refusal read at expiresAt itself or
// later holds every write that can land: answered at once, no wait. One in
// the band waits exactly until expiresAt (the band's first instant: the
// whole band), then reads again. A request whose deadline is expiresAt
// itself cannot read after it: 503 at once; one whose deadline is later
// waits.
func TestBandRefusalWaitsToTheInstant(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	tests := []struct {
		name     string
		before   time.Duration // the refusal's instant, before expiresAt
		deadline time.Duration // from now, past the wait; 0 for none, -1 for the wait itself
		want     session.Code  // "" for the refusal, 409
		wait     time.Duration // the settle wait asked; -1 for none
	}{
		{"at expiresAt", 0, 0, "", -1},
		{"100 ns after expiresAt", -100 * time.Nanosecond, 0, "", -1},
		{"100 ns before expiresAt", 100 * time.Nanosecond, 0, "", 100 * time.Nanosecond},
		{"at the band's first instant", 30 * time.Second, 0, "", 30 * time.Second},
		{"deadline at expiresAt", time.Second, -1, session.EUNAVAILABLE, -1},
		{"deadline a minute after expiresAt", time.Second, time.Minute, "", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clock, retry, waited := bandSession(t, policy)
			clock.Set(v.ExpiresAt.Add(-tt.before))
			rctx := ctx
			if tt.deadline != 0 {
				d := tt.deadline
				if d < 0 {
					d = tt.before
				}
				var cancel context.CancelFunc
				rctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			_, err := retry.ApplyEvent(rctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
			want := tt.want
			if want == "" {
				want = session.ECONFLICT
			}
			if got := session.ErrorCode(err); got != want || *waited != tt.wait {
				t.Errorf("refusal %v before expiresAt = %v (%s), waited %v; want %s, waited %v", tt.before, err, got, *waited, want, tt.wait)
			}
		})
	}
}

// TestOnlyBandRefusalsWait: an event with an eventId refused for any
// other cause than the guard band (a transition the lifecycle does not
// allow, on a session far from its expiresAt) is answered at once with its
// refusal: only "An event with an `eventId` refused in the guard band
// before `expiresAt` (below), while a write decided before the band may
// still land, waits until `expiresAt`" (docs/design.md §4). Held until
// expiresAt, it would wait out the request's time and answer 503 where the
// processor must be told 409 INVALID_TRANSITION.
func TestOnlyBandRefusalsWait(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	v, clock, st, wait := bandSession(t, policy)
	clock.Advance(time.Minute)
	if _, err := st.Cancel(ctx, "m-1", v.ID, "Buyer changed their mind."); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := st.ApplyEvent(rctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
	if got := session.ErrorReason(err); got != session.ReasonInvalidTransition || *wait >= 0 {
		t.Errorf("got %v (%s), waited %v; want %s at once", err, got, *wait, session.ReasonInvalidTransition)
	}
}

// TestEventInFlightAtTheRetentionGuardBand: the band before retainUntil,
// as TestEventInFlightAtTheGuardBand the band before expiresAt. A
// processor's SETTLED on an AUTHORISED session, decided just before the
// band before retainUntil, is still on its way to DynamoDB when its retry
// (same eventId) is judged inside the band. Before the fix the retry was
// answered 404 at once, and the first try then landed: the session reads
// SETTLED, kept RESULT_RETENTION from the settlement, while its processor
// was told the session is gone. Seen over HTTP on make run (a proxy held
// the first try's PutItem 3.5 s, under its 4 s cut-off): the retry sent
// 4.6 s before retainUntil answered 404, the first try 200 SETTLED, and the
// session read SETTLED after the old retainUntil. README, "Lifecycle": a
// SETTLED "that comes after an `AUTHORISED` session's retention (from
// `retainUntil` − `WRITE_GUARD` on) finds no session (404) and is recorded
// nowhere". A refusal in that band of an event with an eventId now waits
// until retainUntil, when every write decided before the band has landed
// or been cut off, and reads again.
func TestEventInFlightAtTheRetentionGuardBand(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name    string
		eventID string
		want    session.Code // the retry's refusal; "" for 200
		waits   int          // for writes in flight: only an event with an eventId waits
	}{
		{"the retry of the write in flight learns it landed", "settle-1", "", 1},
		{"an event without eventId is refused as before, at once", "", session.ENOTFOUND, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hold := &heldWrite{held: make(chan struct{}), release: make(chan struct{})}
			read := &afterFirstRead{}
			db := storetest.Client(t, store.ClientOptions{})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
			plain := store.New(db, table, policy, 16, clock.Now)
			first := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hold}}), table, policy, 16, clock.Now)
			landed := make(chan struct{})
			waits := 0
			retry := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: read}}), table, policy, 16, clock.Now,
				settleWhen(landed, &waits))
			v := newSession("m-1", "", clock.Now(), policy)
			if _, _, err := plain.Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			authorised, err := plain.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
			if err != nil {
				t.Fatal(err)
			}
			bandStart := authorised.RetainUntil.Add(-policy.WriteGuard)
			ev := &session.Event{Status: session.Settled, EventID: session.EventID(tt.eventID)}
			got, err := retryBesideHeldFirstTry(t, ctx, clock, first, retry, hold, read, landed, v.ID, ev, bandStart)
			if code := session.ErrorCode(err); code != tt.want {
				t.Fatalf("retry in the band = %v (%s); want %q", err, code, tt.want)
			}
			if err == nil && got.Status != session.Settled {
				t.Errorf("retry's answer %s; want %s", got.Status, session.Settled)
			}
			if waits != tt.waits {
				t.Errorf("the retry waited %d times for writes in flight; want %d", waits, tt.waits)
			}
		})
	}
}

// TestCancelInFlightAtTheGuardBands: a merchant's cancel decided just
// before a guard band is still on its way to DynamoDB when the merchant's
// retry of it is judged inside the band. A cancel takes no id (README: "it
// takes neither an `Idempotency-Key` nor an `eventId`: a retry of a
// cancel that landed is 409 `INVALID_TRANSITION`"), so the retry cannot be
// told from a new cancel; answered at once it was 404 (the band before an
// AUTHORISED session's retainUntil) or 409 SESSION_EXPIRED (the band
// before an open session's expiresAt), and the first try then landed: the
// session read CANCEL_REQUESTED or CANCELED after a refusal and a GET that
// still read the old status (r85-lifecycle, on make run and make
// start-api through a proxy holding the first try's write). The retry now
// waits until the band's end and is made again: 409 INVALID_TRANSITION,
// as a retry of a cancel that landed is. Another merchant's cancel is
// refused at once (no wait, so no timing to tell a session exists).
func TestCancelInFlightAtTheGuardBands(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name       string
		authorised bool   // the band before retainUntil; else before expiresAt
		merchant   string // the retry's
		want       string // the retry's reason
		status     session.Status
		waits      int
	}{
		{"retention band: the retry learns the cancel landed", true, "m-1", session.ReasonInvalidTransition, session.CancelRequested, 1},
		{"expiry band: the retry learns the cancel landed", false, "m-1", session.ReasonInvalidTransition, session.Canceled, 1},
		{"retention band: another merchant's, at once", true, "m-2", session.ReasonSessionNotFound, session.CancelRequested, 0},
		{"expiry band: another merchant's, at once", false, "m-2", session.ReasonSessionNotFound, session.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			waits := 0
			rig, v := newInFlightRig(t, policy, &waits)
			clock, plain := rig.clock, rig.plain
			bandStart := v.ExpiresAt.Add(-policy.WriteGuard)
			if tt.authorised {
				clock.Advance(time.Minute)
				authorised, err := plain.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
				if err != nil {
					t.Fatal(err)
				}
				bandStart = authorised.RetainUntil.Add(-policy.WriteGuard)
			}
			merchant := "m-1"
			_, err := rig.retryBesideHeldFirst(t, bandStart, func(s *store.Store) (*session.Session, error) {
				m := merchant
				merchant = tt.merchant // the first try is m-1's, the retry tt.merchant's
				return s.Cancel(ctx, m, v.ID, "")
			})
			if got := session.ErrorReason(err); got != tt.want {
				t.Fatalf("retry in the band = %v (%s); want %s", err, got, tt.want)
			}
			if waits != tt.waits {
				t.Errorf("the retry waited %d times for writes in flight; want %d", waits, tt.waits)
			}
			rig.wantStatus(t, v.ID, tt.status)
		})
	}
}

// TestCancelPastTheBandAnswersAtOnce: a cancel that reads an open session
// at or after its expiresAt is refused (409 SESSION_EXPIRED) at once, with
// no wait for writes in flight: by then every write decided before the
// band has landed or been cut off (afterBand: "A refusal whose read began
// at or after until stands at once"). A mutant taking the cancel's start
// as the zero time waited for writes in flight that no longer can land.
func TestCancelPastTheBandAnswersAtOnce(t *testing.T) {
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 2 * time.Second}
	for _, past := range []time.Duration{0, time.Millisecond, time.Minute} {
		t.Run(past.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			waits := 0
			rig, v := newInFlightRig(t, policy, &waits)
			rig.clock.Set(v.ExpiresAt.Add(past))
			_, err := rig.retry.Cancel(ctx, "m-1", v.ID, "")
			if got := session.ErrorReason(err); got != session.ReasonSessionExpired {
				t.Errorf("cancel %v after expiresAt = %v (%s); want %s", past, err, got, session.ReasonSessionExpired)
			}
			if waits != 0 {
				t.Errorf("the cancel waited %d times for writes in flight; want 0", waits)
			}
		})
	}
}

// TestCancelInBandAfterAProcessorsChange: a merchant's cancel refused in a
// guard band is made again at the band's end on the session as it then
// is, so what a processor's event decided before the band, and landed
// meanwhile, decides the answer, not only a cancel that landed. README:
// "answered as a cancel sent then is, on the session as it then reads";
// it said "409 `INVALID_TRANSITION` if a cancel (or another change)
// landed meanwhile", which an AUTHORISED (200) or an open status (409
// SESSION_EXPIRED) landed meanwhile does not answer.
// An AUTHORISED that landed in the band before expiresAt makes the
// merchant's cancel, sent while the session read CREATED, a cancel request
// (200 CANCEL_REQUESTED), where it was 409 SESSION_EXPIRED at once before
// the band's cancel was made again (measured on make run through a proxy
// holding the event's write: the cancel, sent 4.5 s before expiresAt,
// answered 200 CANCEL_REQUESTED); an open session moved to another open
// status stays refused.
func TestCancelInBandAfterAProcessorsChange(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: inFlightGuard}
	tests := []struct {
		name   string
		before []session.Status // applied before the band, outside it
		event  session.Status   // the processor's, held across the band's start
		want   string           // the cancel's refusal; "" for 200
		status session.Status   // the session after both
	}{
		{"expiry band: an AUTHORISED landed", nil, session.Authorised, "", session.CancelRequested},
		{"expiry band: an open change landed", nil, session.Processing, session.ReasonSessionExpired, session.Processing},
		{"expiry band: a FAILED landed", nil, session.Failed, session.ReasonInvalidTransition, session.Failed},
		{"retention band: a SETTLED landed", []session.Status{session.Authorised}, session.Settled, session.ReasonInvalidTransition, session.Settled},
		{"retention band: a declined cancellation landed", []session.Status{session.Authorised, session.CancelRequested}, session.Authorised, "", session.CancelRequested},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rig, v := newInFlightRig(t, policy, nil)
			clock, plain := rig.clock, rig.plain
			bandStart := v.ExpiresAt.Add(-policy.WriteGuard)
			for i, st := range tt.before {
				clock.Advance(time.Minute)
				var got *session.Session
				var err error
				if st == session.CancelRequested {
					got, err = plain.Cancel(ctx, "m-1", v.ID, "")
				} else {
					got, err = plain.ApplyEvent(ctx, "", v.ID, &session.Event{Status: st, EventID: session.EventID("before-" + string(rune('a'+i)))})
				}
				if err != nil {
					t.Fatal(err)
				}
				bandStart = got.RetainUntil.Add(-policy.WriteGuard)
			}
			_, err := rig.retryBesideHeldFirst(t, bandStart, func(s *store.Store) (*session.Session, error) {
				if s == rig.first {
					return s.ApplyEvent(ctx, "", v.ID, &session.Event{Status: tt.event, EventID: "held-1"})
				}
				return s.Cancel(ctx, "m-1", v.ID, "")
			})
			got := ""
			if err != nil {
				got = session.ErrorReason(err)
			}
			if got != tt.want {
				t.Fatalf("the merchant's cancel in the band = %v (%q); want %q", err, got, tt.want)
			}
			rig.wantStatus(t, v.ID, tt.status)
		})
	}
}

// TestFinalSessionInRetentionBandAnswersAtOnce: a refusal in the band
// before a closed session's retainUntil waits for writes still in flight
// only where one can land. On a session in a final status (FAILED,
// CANCELED, EXPIRED) none can: no transition leaves it, and a write decided on an
// earlier version fails its condition. So an event with an eventId and a
// merchant's cancel are answered 404 at once there (r85-review and
// r85-lifecycle measured both waiting the whole band for nothing), while
// on an AUTHORISED or SETTLED session, which a write may still change,
// they wait (README: "A merchant's cancel refused in a band is made again
// at its end", and "one of a `FAILED`, `CANCELED` or `EXPIRED` session in
// its retention's band are answered at once": r91-lifecycle measured
// EXPIRED answered so, swept or not, which README did not name).
func TestFinalSessionInRetentionBandAnswersAtOnce(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	tests := []struct {
		name   string
		close  *session.Event // nil: the merchant's cancel, unless expire
		expire string         // "read": expired, not stored; "swept": stored EXPIRED
		wait   bool
	}{
		{"CANCELED by the merchant", nil, "", false},
		{"CANCELED by the processor", &session.Event{Status: session.Canceled, EventID: "c-1"}, "", false},
		{"FAILED", &session.Event{Status: session.Failed, EventID: "f-1"}, "", false},
		{"EXPIRED, not stored", nil, "read", false},
		{"EXPIRED, stored by the sweeper", nil, "swept", false},
		{"AUTHORISED", &session.Event{Status: session.Authorised, EventID: "a-1"}, "", true},
	}
	for _, tt := range tests {
		for _, write := range []string{"event", "cancel"} {
			t.Run(tt.name+", "+write, func(t *testing.T) {
				v, clock, st, waited := bandSession(t, policy)
				clock.Advance(time.Minute)
				var closed *session.Session
				var err error
				switch {
				case tt.expire != "":
					clock.Set(v.ExpiresAt.Add(policy.WriteGuard + time.Second))
					if tt.expire == "swept" {
						expireAll(t, st, clock.Now(), 1)
					}
					closed, err = st.Get(ctx, v.ID)
					if err == nil && closed.Status != session.Expired {
						t.Fatalf("status = %s; want EXPIRED", closed.Status)
					}
				case tt.close == nil:
					closed, err = st.Cancel(ctx, "m-1", v.ID, "")
				default:
					closed, err = st.ApplyEvent(ctx, "", v.ID, tt.close)
				}
				if err != nil {
					t.Fatal(err)
				}
				clock.Set(closed.RetainUntil.Add(-policy.WriteGuard / 2))
				if write == "event" {
					_, err = st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Settled, EventID: "s-1"})
				} else {
					_, err = st.Cancel(ctx, "m-1", v.ID, "")
				}
				if got := session.ErrorCode(err); got != session.ENOTFOUND {
					t.Errorf("%s in the band = %v (%s); want %s", write, err, got, session.ENOTFOUND)
				}
				if got := *waited >= 0; got != tt.wait {
					t.Errorf("%s in the band waited %v; want a wait %v", write, *waited, tt.wait)
				}
			})
		}
	}
}

// TestCancelOfNoSessionAtOnce: a cancel of an unknown session, or of
// another merchant's inside its band, is 404 at once, never held for a
// band's end (README: "Another merchant's cancel, one of an unknown
// session, and one of a `FAILED`, `CANCELED` or `EXPIRED` session in its
// retention's band are answered at once"): no store test cancelled an unknown id, and
// a mutant reading no session on a failed read lived.
func TestCancelOfNoSessionAtOnce(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	v, clock, st, waited := bandSession(t, policy)
	clock.Set(v.ExpiresAt.Add(-policy.WriteGuard / 2))
	for _, tt := range []struct{ name, merchant, id string }{
		{"an unknown session", "m-1", "0b6ba0c5-6f3e-4c38-9d6a-6c1c3e0a7d11"},
		{"another merchant's, in its band", "m-2", v.ID},
	} {
		_, err := st.Cancel(ctx, tt.merchant, tt.id, "")
		if got := session.ErrorCode(err); got != session.ENOTFOUND || *waited >= 0 {
			t.Errorf("%s: got %v (%s), waited %v; want %s at once", tt.name, err, got, *waited, session.ENOTFOUND)
		}
	}
}

// TestAnotherMerchantsKeyedWriteInTheBandAtOnce: the writes that wait out
// a guard band when their owner sends them with an id (an event with an
// eventId, a child's create with an Idempotency-Key: "Lifecycle", "Child
// sessions") are refused at once when they name another merchant's
// session, as for an unknown one (docs/design.md §7: "another merchant's
// session answers exactly as an unknown one"): a wait of up to
// WRITE_GUARD for theirs, none for an unknown id, would tell a stranger
// that the id exists and is about to close. TestCancelOfNoSessionAtOnce
// holds the cancel so; r105-authz measured these on both local servers
// (the owner's event 0.6 s before expiresAt answered after 596 ms, another
// merchant's after 15 ms, an unknown id's after 13 ms), and no test held
// them. The owner's rows show the rig sees a wait.
func TestAnotherMerchantsKeyedWriteInTheBandAtOnce(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	event := func(merchant string) func(*store.Store, *session.Session) error {
		return func(st *store.Store, v *session.Session) error {
			_, err := st.ApplyEvent(ctx, merchant, v.ID, &session.Event{Status: session.Processing, EventID: "e-1"})
			return err
		}
	}
	child := func(merchant string) func(*store.Store, *session.Session) error {
		return func(st *store.Store, v *session.Session) error {
			idem := &store.Idempotency{MerchantID: merchant, Key: "k-1", RequestHash: store.HashRequest([]byte("child"))}
			_, _, err := st.Create(ctx, newSession(merchant, v.ID, v.ExpiresAt.Add(-policy.WriteGuard/2), policy), idem, 201, func(c *session.Session) ([]byte, error) { return []byte(c.ID), nil })
			return err
		}
	}
	for _, tt := range []struct {
		name       string
		authorised bool // the band before retainUntil; else before expiresAt
		write      func(*store.Store, *session.Session) error
		want       session.Code
		waits      bool
	}{
		{"event with an eventId, expiry band: the owner's waits", false, event("m-1"), "", true},
		{"event with an eventId, expiry band: another merchant's at once", false, event("m-2"), session.ENOTFOUND, false},
		{"event with an eventId, retention band: the owner's waits", true, event("m-1"), "", true},
		{"event with an eventId, retention band: another merchant's at once", true, event("m-2"), session.ENOTFOUND, false},
		{"child's create with a key, the parent's band: the owner's waits", false, child("m-1"), "", true},
		{"child's create with a key, the parent's band: another merchant's at once", false, child("m-2"), session.EINVALID, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, clock, st, waited := bandSession(t, policy)
			end := v.ExpiresAt
			if tt.authorised {
				clock.Advance(time.Minute)
				authorised, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth-1"})
				if err != nil {
					t.Fatal(err)
				}
				end = authorised.RetainUntil
			}
			clock.Set(end.Add(-policy.WriteGuard / 2))
			err := tt.write(st, v)
			if tt.waits {
				if *waited < 0 {
					t.Fatalf("the owner's write in the band waited %v (%v); want a wait", *waited, err)
				}
				return
			}
			if got := session.ErrorCode(err); got != tt.want || *waited >= 0 {
				t.Errorf("got %v (%s), waited %v; want %s at once", err, got, *waited, tt.want)
			}
		})
	}
}

// expireAll stores the expiry of every session due at now, as one sweep
// does, and fails unless exactly want were expired.
func expireAll(t *testing.T, st *store.Store, now time.Time, want int) {
	t.Helper()
	var keys []store.ExpiryKey
	for shard := range st.Shards() {
		if _, err := st.Expired(context.Background(), shard, now, 100, func(ks []store.ExpiryKey) bool {
			keys = append(keys, ks...)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, k := range keys {
		ok, err := st.Expire(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			n++
		}
	}
	if n != want {
		t.Fatalf("expired %d sessions; want %d", n, want)
	}
}
