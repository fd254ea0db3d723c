package store_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The guard band (docs/design.md §4): "DynamoDB evaluates a write's
// condition when the request arrives, and the SDK's retries can deliver a
// request seconds after the clock was read; clocks also differ between
// Lambda instances. ... So writes are refused during a guard band
// (WRITE_GUARD, default 5 s) before expiresAt and before retainUntil; write
// conditions are built with the clock plus the band; and every write call,
// retries included, runs under a deadline shorter than the band. ... A
// session read as EXPIRED or 404 never comes back."

// pollResult is what a read returned: a status, or 404.
type pollResult struct {
	status session.Status
	code   session.Code
}

func (p pollResult) String() string {
	if p.code != "" {
		return string(p.code)
	}
	return string(p.status)
}

func poll(t *testing.T, st *store.Store, id string) pollResult {
	t.Helper()
	v, err := st.Get(context.Background(), id)
	if err != nil {
		if session.ErrorCode(err) != session.ENOTFOUND {
			t.Fatalf("Get(%s) = %v", id, err)
		}
		return pollResult{code: session.ENOTFOUND}
	}
	return pollResult{status: v.Status}
}

// TestRetriedWriteNeverResurrects is the interleaving: a processor
// event is sent 1 s before the session expires (or before its retention
// ends); its first attempt fails with a 500 after a poll at +0.5 s past
// the instant has read EXPIRED (or 404); the SDK's retry must not then land
// and bring the session back.
func TestRetriedWriteNeverResurrects(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// setup returns the instant the write must not cross.
		setup func(t *testing.T, f *fixture, id string) time.Time
		ev    session.Status
		want  pollResult // what the poll past the instant reads
	}{
		{"expiresAt", func(t *testing.T, f *fixture, id string) time.Time {
			return f.mustGet(t, id).ExpiresAt
		}, session.Authorised, pollResult{status: session.Expired}},
		{"retainUntil", func(t *testing.T, f *fixture, id string) time.Time {
			f.clock.Advance(time.Minute)
			v, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Settled})
			if err != nil {
				t.Fatal(err)
			}
			return v.RetainUntil
		}, session.FraudCancellationRequested, pollResult{code: session.ENOTFOUND}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var f *fixture
			var edge time.Time
			var seen []pollResult
			ic := &storetest.Interceptor{}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			clean := f.clean()
			ic.Hook = func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if (op == "PutItem" || op == "TransactWriteItems") && armed.CompareAndSwap(true, false) {
					// The first attempt is "in flight" while time passes
					// the instant and a client polls; then it fails.
					f.clock.Set(edge.Add(500 * time.Millisecond))
					seen = append(seen, poll(t, clean, sessionIDIn(string(body))))
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
				}
				return nil, nil
			}
			v := f.create(t, "m-1")
			edge = tt.setup(t, f, v.ID)
			f.clock.Set(edge.Add(-time.Second))
			armed.Store(true)
			_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: tt.ev})
			if armed.Load() {
				// Refused before any write was sent: the poll happens all
				// the same.
				f.clock.Set(edge.Add(500 * time.Millisecond))
				seen = append(seen, poll(t, clean, v.ID))
			}
			seen = append(seen, poll(t, clean, v.ID))
			if seen[0] != tt.want {
				t.Fatalf("poll at +0.5 s read %s; want %s", seen[0], tt.want)
			}
			if seen[1] != seen[0] {
				t.Errorf("a session read as %s came back as %s (the event's answer: %v)", seen[0], seen[1], err)
			}
			// Inside the band the write is refused as it would be after the
			// instant: 409 SESSION_EXPIRED, or 404.
			if tt.want.code == session.ENOTFOUND {
				if session.ErrorCode(err) != session.ENOTFOUND {
					t.Errorf("event 1 s before retainUntil = %v; want %s", err, session.ENOTFOUND)
				}
			} else if session.ErrorReason(err) != session.ReasonSessionExpired {
				t.Errorf("event 1 s before expiresAt = %v; want %s", err, session.ReasonSessionExpired)
			}
		})
	}
}

// sessionIDIn finds the id of the first session key in a request body.
func sessionIDIn(body string) string {
	const prefix = `"SESSION#`
	for i := 0; i+len(prefix)+36 <= len(body); i++ {
		if body[i:i+len(prefix)] == prefix {
			return body[i+len(prefix) : i+len(prefix)+36]
		}
	}
	return ""
}

// realClock runs at the speed of real time from an offset a test sets: the
// write deadline is real time, so a test of it needs a clock that moves with
// it.
type realClock struct{ offset atomic.Int64 }

func (c *realClock) Now() time.Time { return time.Now().UTC().Add(time.Duration(c.offset.Load())) }

// setTo makes Now() read t now.
func (c *realClock) setTo(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// TestWriteDeadlineEndsRetries: a write sent just before the guard band,
// whose first attempt hangs, is cut off by the write deadline (shorter than
// the band), retries included, so it can never land after a client has read
// the session EXPIRED. Its outcome is unknown to the service: 503.
//
// The margins are wall time, so the test measures what the store decides,
// not when a loaded machine next schedules a goroutine. The store's clock
// is set lead before the band when the session's read answers (in the
// hook, after DynamoDB's answer), so the event is decided just before the
// band however long the read took; and the cut-off is the hung attempt's
// context deadline, read on the store's clock, not the instant the call's
// goroutine reports back. The deadline comes WriteTimeout (four fifths of
// the band) after the decision: lead plus a fifth of the band (0.8 s)
// before expiresAt, less the moments between the read's answer and the
// write's deadline being set (what a loaded machine can eat here; the
// decision itself must come within lead, 0.4 s). Before (a 1 s band, the
// clock set 0.2 s before it ahead of the read, the call's return timed)
// the margin was 0.4 s less the read and the goroutine's wake-up after the
// deadline, and a loaded machine ate it: "the write call ended at
// expiresAt+208ms" (r98-flakes, load 8–12). A mutant without the deadline
// hangs until the test releases it: "still in flight".
func TestWriteDeadlineEndsRetries(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	ctx := context.Background()
	const lead = 400 * time.Millisecond // the decision's instant before the band
	policy := session.Policy{Expiry: 30 * time.Minute, Retention: 15 * time.Minute, WriteGuard: 2 * time.Second}
	clock := &realClock{}
	var v *session.Session
	var armed, reading atomic.Bool
	release := make(chan struct{})
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })
	type cutoff struct {
		deadline time.Time // the hung attempt's, on the store's clock; zero: none
		byCtx    bool      // its context ended it, not the test's release
	}
	sent := make(chan struct{}) // closed when the write's first attempt hangs
	cut := make(chan cutoff, 1) // how that attempt ended
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		switch {
		case op == "GetItem" && reading.CompareAndSwap(true, false):
			// The session's read answers: the event is decided now, lead
			// before the band.
			res, err := http.DefaultTransport.RoundTrip(req)
			clock.setTo(v.ExpiresAt.Add(-policy.WriteGuard - lead))
			return res, err
		case op == "PutItem" && armed.CompareAndSwap(true, false):
			var c cutoff
			if d, ok := req.Context().Deadline(); ok {
				c.deadline = d.UTC().Add(time.Duration(clock.offset.Load()))
			}
			close(sent)
			defer func() { cut <- c }()
			select {
			case <-req.Context().Done():
				c.byCtx = true
				return nil, req.Context().Err()
			case <-release:
				return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
			}
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), table, policy, 16, clock.Now)
	clean := store.New(db, table, policy, 16, clock.Now)

	v = session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", "6f1c2a4e-1b7d-4c3e-9a55-0d2e8f7b6a01", "tok", clock.Now(), policy)
	if _, _, err := st.Create(ctx, v, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	reading.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised})
		done <- err
	}()
	// A client polls half a second past expiresAt, once the write hangs.
	select {
	case <-sent:
	case err := <-done:
		t.Fatalf("the event = %v before any write hung; want its write sent just before the band (%s before it)", err, lead)
	}
	time.Sleep(time.Until(v.ExpiresAt.Add(500 * time.Millisecond).Add(-time.Duration(clock.offset.Load()))))
	first := poll(t, clean, v.ID)
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("the write was still in flight 30 s after a client read the session past expiresAt; want it cut off by the write deadline (%s)", st.WriteTimeout())
		releaseOnce.Do(func() { close(release) })
		err = <-done
	}
	c := <-cut // sent before the hung attempt returned, so before done
	last := poll(t, clean, v.ID)
	if first.status != session.Expired || last != first {
		t.Errorf("reads past expiresAt: %s, then %s; want EXPIRED, never coming back", first, last)
	}
	if session.ErrorCode(err) != session.EUNAVAILABLE {
		t.Errorf("the cut-off write = %v; want %s (its outcome is unknown: 503)", err, session.EUNAVAILABLE)
	}
	switch {
	case c.deadline.IsZero() || !c.byCtx:
		t.Errorf("the hung write: deadline %v, ended by its context %v; want a deadline that ends it", c.deadline, c.byCtx)
	case !c.deadline.Before(v.ExpiresAt):
		t.Errorf("the write call's deadline was expiresAt+%s; want before expiresAt, the instant its condition protected", c.deadline.Sub(v.ExpiresAt))
	}
}

// TestSkewedWritersNeverResurrect: two instances on one table whose clocks
// differ by 2 s (less than the band). The one ahead reads the session
// EXPIRED (or 404); the one behind then writes, believing it still has
// 1.5 s: it is refused, and the session stays as read.
func TestSkewedWritersNeverResurrect(t *testing.T) {
	ctx := context.Background()
	const skew = 2 * time.Second
	f := newFixture(t)
	behind := store.New(f.db, f.table, session.DefaultPolicy, 16, func() time.Time { return f.clock.Now().Add(-skew) })

	// expiresAt
	v := f.create(t, "m-1")
	f.clock.Set(v.ExpiresAt.Add(500 * time.Millisecond))
	if got := poll(t, f.st, v.ID); got.status != session.Expired {
		t.Fatalf("read at expiresAt+0.5 s = %s; want EXPIRED", got)
	}
	_, err := behind.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised})
	if got := poll(t, f.st, v.ID); got.status != session.Expired {
		t.Errorf("after a write from a clock %s behind (answered %v), the session reads %s; want EXPIRED", skew, err, got)
	}
	if session.ErrorReason(err) != session.ReasonSessionExpired {
		t.Errorf("write from the clock behind = %v; want %s", err, session.ReasonSessionExpired)
	}

	// retainUntil
	f.clock.Set(t0)
	w := f.create(t, "m-1")
	f.clock.Advance(time.Minute)
	settled, err := f.st.ApplyEvent(ctx, "", w.ID, &session.Event{Status: session.Settled})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(settled.RetainUntil.Add(500 * time.Millisecond))
	if got := poll(t, f.st, w.ID); got.code != session.ENOTFOUND {
		t.Fatalf("read at retainUntil+0.5 s = %s; want 404", got)
	}
	_, err = behind.ApplyEvent(ctx, "", w.ID, &session.Event{Status: session.FraudCancellationRequested})
	if got := poll(t, f.st, w.ID); got.code != session.ENOTFOUND {
		t.Errorf("after a write from a clock %s behind (answered %v), the session reads %s; want 404", skew, err, got)
	}

	// Outside the band, the clock behind writes as usual.
	f.clock.Set(t0)
	u := f.create(t, "m-1")
	f.clock.Set(u.ExpiresAt.Add(-session.DefaultWriteGuard - time.Second + skew))
	if _, err := behind.ApplyEvent(ctx, "", u.ID, &session.Event{Status: session.Authorised}); err != nil {
		t.Errorf("write from the clock behind, before the band = %v; want accepted", err)
	}
}

// TestEveryWriteCallHasADeadline: every session write (PutItem,
// TransactWriteItems, the sweeper's UpdateItem) and every API-key write
// (PutItem, UpdateItem) carries a deadline no later than WriteTimeout,
// which is shorter than the band.
func TestEveryWriteCallHasADeadline(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	var bad []string
	var st *store.Store
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		switch op {
		case "PutItem", "TransactWriteItems", "UpdateItem":
		default:
			return nil, nil
		}
		mu.Lock()
		defer mu.Unlock()
		seen[op]++
		d, ok := req.Context().Deadline()
		if !ok || time.Until(d) > st.WriteTimeout() {
			bad = append(bad, op)
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	st = f.st
	if st.WriteTimeout() >= session.DefaultWriteGuard || st.WriteTimeout() <= 0 {
		t.Fatalf("WriteTimeout() = %s; want in (0, %s)", st.WriteTimeout(), session.DefaultWriteGuard)
	}
	parent := f.create(t, "m-1")                 // PutItem
	child := f.newDraftSession("m-1", parent.ID) // TransactWriteItems
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(parent.ExpiresAt.Add(session.DefaultWriteGuard)) // the sweeper's first instant (store.Expire)
	keys := f.expiryKeys(t)
	for _, k := range keys {
		if _, err := f.st.Expire(ctx, k); err != nil { // UpdateItem
			t.Fatal(err)
		}
	}
	// The API-key writes (PutItem, UpdateItem) are under it too.
	k := &store.APIKey{ID: "0a1b2c3d4e5f6071", MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: []byte("h"), CreatedAt: f.clock.Now()}
	before := len(bad)
	if err := f.st.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteAPIKey(ctx, "m-1", k.ID); err != nil {
		t.Fatal(err)
	}
	if len(bad) != before {
		t.Errorf("API-key write calls without a deadline within %s: %v", st.WriteTimeout(), bad[before:])
		bad = bad[:before]
	}
	if seen["PutItem"] == 0 || seen["TransactWriteItems"] == 0 || seen["UpdateItem"] == 0 {
		t.Errorf("write calls seen %v; want each kind", seen)
	}
	if len(bad) > 0 {
		t.Errorf("write calls without a deadline within %s: %v", st.WriteTimeout(), bad)
	}
}

// expiryKeys reads every expiry index entry due at the fixture's clock.
func (f *fixture) expiryKeys(t *testing.T) []store.ExpiryKey {
	t.Helper()
	return f.expiryKeysOf(t, f.st)
}

// expiryKeysOf reads every expiry index entry st's sweeper finds due at the
// fixture's clock (its own window: its WRITE_GUARD and RESULT_RETENTION).
func (f *fixture) expiryKeysOf(t *testing.T, st *store.Store) []store.ExpiryKey {
	t.Helper()
	var keys []store.ExpiryKey
	for shard := 0; shard < st.Shards(); shard++ {
		if _, err := st.Expired(context.Background(), shard, f.clock.Now(), 100, func(ks []store.ExpiryKey) bool {
			keys = append(keys, ks...)
			return true
		}); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestExpireStaysClearOfPurge: the sweeper's write takes the band before
// the end of retention too: within it, the session is left to the reads
// (which already say 404 at the instant) and to TTL. Its query no longer
// finds the session then, and a key found earlier is not sent a write:
// ErrNearPurge (nothing written, and not taken for someone else's close).
func TestExpireStaysClearOfPurge(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.create(t, "m-1")
	purge := v.ExpiresAt.Add(session.DefaultPolicy.Retention)
	f.clock.Set(purge.Add(-session.DefaultWriteGuard - time.Second))
	keys := f.expiryKeys(t)
	if len(keys) != 1 {
		t.Fatalf("expiry keys = %v; want 1", keys)
	}
	f.clock.Set(purge.Add(-time.Second))
	if late := f.expiryKeys(t); len(late) != 0 {
		t.Errorf("expiry keys within the band before purge = %v; want none", late)
	}
	if ok, err := f.st.Expire(ctx, keys[0]); ok || !errors.Is(err, store.ErrNearPurge) {
		t.Errorf("Expire within the band before purge = %v, %v; want false, ErrNearPurge", ok, err)
	}
	f.clock.Set(purge.Add(-session.DefaultWriteGuard - time.Second))
	if ok, err := f.st.Expire(ctx, keys[0]); !ok || err != nil {
		t.Errorf("Expire before the band = %v, %v; want true, nil", ok, err)
	}
}

// TestRetriedEventAcknowledgedFirst: "an event already applied is
// acknowledged and not applied again (processors retry), checked before
// anything else: a retry after the session has expired or closed still
// answers 200 with the session as it is (until retainUntil)".
func TestRetriedEventAcknowledgedFirst(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		at    func(v *session.Session) time.Time
		close bool // a later event closed the session
		want  session.Status
	}{
		{"expired", func(v *session.Session) time.Time { return v.ExpiresAt.Add(time.Minute) }, false, session.Expired},
		{"within the guard band", func(v *session.Session) time.Time { return v.ExpiresAt.Add(-time.Second) }, false, session.Processing},
		{"closed, within the retention band", func(v *session.Session) time.Time { return v.RetainUntil.Add(-time.Second) }, true, session.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v, ev := f.processed(t, tt.close)
			before := f.raw(t, v.ID)
			f.clock.Set(tt.at(v))
			got, err := f.st.ApplyEvent(ctx, "", v.ID, ev)
			if err != nil || got.Status != tt.want {
				t.Fatalf("retried event = %v, %v; want 200 with the session as it is (%s)", got, err, tt.want)
			}
			if numberAttr(t, f.raw(t, v.ID), "version") != numberAttr(t, before, "version") {
				t.Errorf("the retry wrote the session")
			}
		})
	}
}

// TestOffGridBandAnswersAsTheDomain: a write at the edge of a guard band
// off the 100 ns grid (a Policy the store takes as given) is answered as
// the domain judges it, on a frozen clock: applied, or 409
// SESSION_EXPIRED; never CONCURRENT_UPDATE. Before, the domain (writable)
// added the band to the clock kept to 100 ns and the write's condition to
// the clock as read: within 50 ns of the edge the domain allowed the write
// and every attempt's condition refused it, so it ended as
// CONCURRENT_UPDATE (config.Load admitted WRITE_GUARD=5.00000005s).
//
// The clock is frozen, so a refusal in the band is read (or the cancel made)
// again at the same instant whether the store first waits for writes in
// flight or not: noSettleWait, where each such refusal slept the band's 5 s
// in real time (10 s of this test).
func TestOffGridBandAnswersAsTheDomain(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 30 * time.Minute, Retention: 15 * time.Minute, WriteGuard: 5*time.Second + 50}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, policy, 16, clock.Now, noSettleWait)
	for _, d := range []time.Duration{-1, 0, 25, 49, 50, 51} {
		for _, op := range []string{"event", "cancel"} {
			clock.Set(t0)
			v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", clock.Now(), policy)
			if _, _, err := st.Create(ctx, v, nil, 0, nil); err != nil {
				t.Fatal(err)
			}
			clock.Set(v.ExpiresAt.Add(-policy.WriteGuard + d))
			var err, want error
			if op == "event" {
				_, err = st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised})
				_, want = v.Clone().Apply(&session.Event{Status: session.Authorised}, clock.Now(), policy)
			} else {
				_, err = st.Cancel(ctx, "m-1", v.ID, "")
				want = v.Clone().Cancel("", clock.Now(), policy)
			}
			if session.ErrorReason(err) != session.ErrorReason(want) || (err == nil) != (want == nil) {
				t.Errorf("%s at band edge %+dns: the store answers %v; the domain %v", op, d, err, want)
			}
		}
	}
}
