package store_test

import (
	"context"
	"github.com/google/uuid"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// slowRead moves the fixture's clock to a set instant while a GetItem is on
// its way: a read that takes that long (a slow answer, the SDK's retries).
type slowRead struct {
	to    atomic.Pointer[time.Time]
	clock *storetest.Clock
}

func (s *slowRead) hook(op string, _ *http.Request, _ []byte) (*http.Response, error) {
	if op == "GetItem" {
		if to := s.to.Swap(nil); to != nil {
			s.clock.Set(*to)
		}
	}
	return nil, nil
}

// outcome is what a call answered: a status, or an error's code.
func outcome(v *session.Session, err error) pollResult {
	if err != nil {
		return pollResult{code: session.ErrorCode(err)}
	}
	return pollResult{status: v.Status}
}

// processed creates a session of m-1 and applies a processor's event
// evt-1 (PROCESSING) to it, then, when closeIt is set, a FAILED; it returns
// the session as the last event left it, and evt-1 for a retry.
func (f *fixture) processed(t *testing.T, closeIt bool) (*session.Session, *session.Event) {
	t.Helper()
	ctx := context.Background()
	v := f.create(t, "m-1")
	ev := &session.Event{Status: session.Processing, EventID: "evt-1"}
	if _, err := f.st.ApplyEvent(ctx, "", v.ID, ev); err != nil {
		t.Fatal(err)
	}
	if closeIt {
		var err error
		if v, err = f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Failed}); err != nil {
			t.Fatal(err)
		}
	}
	return v, ev
}

// TestAcknowledgementJudgedAfterTheRead: docs/design.md §4, "an event
// already applied answers 200 with the session as it now is, even if the
// session has since closed or expired, for as long as the session exists",
// "From that instant [retainUntil] the session does not exist for any
// endpoint, reads and writes alike (404)", and "A session read as EXPIRED
// or 404 never comes back". The acknowledgement of a retried
// eventId is a read: it must judge the session at an instant after the
// item was read, as Get does, not at the instant the request began. A read
// the SDK retried for seconds otherwise answers the session as it was
// before expiresAt (or retainUntil) though another endpoint has already
// reported it EXPIRED (or 404).
func TestAcknowledgementJudgedAfterTheRead(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// close closes the session after the first event (FAILED).
		close bool
		// edge is the instant the read crosses.
		edge func(v *session.Session) time.Time
		want session.Status // "" = 404
	}{
		{"open, the read crosses expiresAt", false, func(v *session.Session) time.Time { return v.ExpiresAt }, session.Expired},
		{"open, the read crosses expiresAt + retention", false, func(v *session.Session) time.Time { return v.ExpiresAt.Add(15 * time.Minute) }, ""},
		{"closed, the read crosses retainUntil", true, func(v *session.Session) time.Time { return v.RetainUntil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := &slowRead{}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: sr.hook}}})
			sr.clock = f.clock
			v, ev := f.processed(t, tt.close)
			edge := tt.edge(v)
			f.clock.Set(edge.Add(-time.Second))
			after := edge.Add(time.Second)
			sr.to.Store(&after)
			got := outcome(f.st.ApplyEvent(ctx, "", v.ID, ev))
			read := outcome(f.clean().Get(ctx, v.ID))
			want := pollResult{status: tt.want}
			if tt.want == "" {
				want = pollResult{code: session.ENOTFOUND}
			}
			if read != want {
				t.Fatalf("Get() after the edge = %v; want %v", read, want)
			}
			if got != want {
				t.Errorf("retried event, its read crossing the edge = %v; want %v, as Get answers", got, want)
			}
		})
	}
}

// TestAcknowledgementIsOneRead: a retried eventId's acknowledgement is a
// read of the session, and docs/design.md §8 says "One session read is one
// `GetItem` with `ConsistentRead`: a poll after a write sees the write, and
// there are no extra round trips (but for a read that straddled the
// session's expiry or end of retention, made again, §4)". Read once, far
// from either instant, it is answered from that read: one GetItem, and no
// write.
func TestAcknowledgementIsOneRead(t *testing.T) {
	ctx := context.Background()
	for _, closeIt := range []bool{false, true} {
		t.Run(map[bool]string{false: "open", true: "closed"}[closeIt], func(t *testing.T) {
			var armed atomic.Bool
			var calls sync.Map
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if armed.Load() {
					n, _ := calls.LoadOrStore(op, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}
				return nil, nil
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			v, ev := f.processed(t, closeIt)
			f.clock.Advance(time.Minute)
			armed.Store(true)
			got, err := f.st.ApplyEvent(ctx, "", v.ID, ev)
			armed.Store(false)
			if err != nil || !got.HasEvent(string(ev.EventID)) {
				t.Fatalf("retried event = %v, %v; want it acknowledged", got, err)
			}
			counts := map[string]int64{}
			calls.Range(func(k, n any) bool { counts[k.(string)] = n.(*atomic.Int64).Load(); return true })
			if want := map[string]int64{"GetItem": 1}; !maps.Equal(counts, want) {
				t.Errorf("got calls %v; want %v", counts, want)
			}
		})
	}
}

// TestIdempotencyKeyRememberedFull24Hours: docs/design.md §8, the
// idempotency record "IDEMPOTENCY#<merchantId>#<key>": "hash of the request,
// the first answer, a 24 h expiry", and the README: "Keys are per merchant and
// remembered for 24 hours". A key first used at a fraction of a second must
// not be free again before 24 hours have passed: a retry just short of them
// replays the first answer, it does not create a second session.
func TestIdempotencyKeyRememberedFull24Hours(t *testing.T) {
	ctx := context.Background()
	// The contract's 24 hours, not store.IdempotencyTTL: a test reading the
	// store's constant would follow it wherever it moved.
	const day = 24 * time.Hour
	tests := []struct {
		name   string
		first  time.Duration // the first use, after t0
		retry  time.Duration // the retry, after the first use
		replay bool
	}{
		{"whole second, 1 ns short of 24 h", 0, day - time.Nanosecond, true},
		{"whole second, at 24 h", 0, day, false},
		{"at .7 s, 0.5 s short of 24 h", 700 * time.Millisecond, day - 500*time.Millisecond, true},
		{"at .7 s, 100 ns short of 24 h", 700 * time.Millisecond, day - 100*time.Nanosecond, true},
		{"at 100 ns, 100 ns short of 24 h", 100 * time.Nanosecond, day - 100*time.Nanosecond, true},
		{"at 100 ns, at the next whole second after 24 h", 100 * time.Nanosecond, day + time.Second - 100*time.Nanosecond, false},
		{"at .7 s, 24 h + 0.3 s", 700 * time.Millisecond, day + 300*time.Millisecond, false},
		{"at .7 s, 24 h + 1 s", 700 * time.Millisecond, day + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			create := func() (*session.Session, *store.Replay, error) {
				v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
				idem := &store.Idempotency{MerchantID: "m-1", Key: "order-1001", RequestHash: store.HashRequest([]byte("body"))}
				_, r, err := f.st.Create(ctx, v, idem, 201, idBody)
				return v, r, err
			}
			f.clock.Set(t0.Add(tt.first))
			first, r, err := create()
			if err != nil || r != nil {
				t.Fatalf("first Create() = %+v, %v; want a new session", r, err)
			}
			f.clock.Set(t0.Add(tt.first + tt.retry))
			_, r, err = create()
			if err != nil {
				t.Fatalf("retry Create() = %v", err)
			}
			if got := r != nil && r.SessionID == first.ID; got != tt.replay {
				t.Errorf("retry %v after the first use replayed it = %v (%+v); want %v", tt.retry, got, r, tt.replay)
			}
		})
	}
}

// TestNoMoneyUnderACanceledParent: docs/design.md §4, "A child can never
// reach AUTHORISED or SETTLED under a closed parent: 409 PARENT_CLOSED",
// and "The family rules keep money from being taken twice or under a
// canceled parent". A child that
// took money while its parent was open moved the parent to AUTHORISED: it
// may settle while the parent shows that money (AUTHORISED or SETTLED), but
// not once the parent was canceled, failed, or its cancellation was asked
// for — every dialect then shows the parent's payment as not taken.
func TestNoMoneyUnderACanceledParent(t *testing.T) {
	ctx := context.Background()
	type step func(f *fixture, parent, child string) error
	parentEvent := func(st session.Status) step {
		return func(f *fixture, parent, _ string) error {
			_, err := f.st.ApplyEvent(ctx, "", parent, &session.Event{Status: st})
			return err
		}
	}
	parentCancel := func(f *fixture, parent, _ string) error {
		_, err := f.st.Cancel(ctx, "m-1", parent, "")
		return err
	}
	childCancel := func(f *fixture, _, child string) error {
		_, err := f.st.Cancel(ctx, "m-1", child, "")
		return err
	}
	tests := []struct {
		name   string
		steps  []step // after the child's AUTHORISED moved the parent to AUTHORISED
		event  session.Status
		parent session.Status // the parent's status before the child's event
		reason string         // "" = applied
	}{
		{"parent AUTHORISED: the child settles", nil, session.Settled, session.Authorised, ""},
		{"parent SETTLED: the child settles", []step{parentEvent(session.Settled)}, session.Settled, session.Settled, ""},
		{"parent canceled by its processor", []step{parentEvent(session.Canceled)}, session.Settled, session.Canceled, session.ReasonParentClosed},
		{"parent FAILED", []step{parentEvent(session.Failed)}, session.Settled, session.Failed, session.ReasonParentClosed},
		{"parent's cancel requested by the merchant", []step{parentCancel}, session.Settled, session.CancelRequested, session.ReasonParentClosed},
		{"parent canceled after the merchant asked", []step{parentCancel, parentEvent(session.Canceled)}, session.Settled, session.Canceled, session.ReasonParentClosed},
		{"parent's cancel declined: AUTHORISED again", []step{parentCancel, parentEvent(session.Authorised)}, session.Settled, session.Authorised, ""},
		{"parent under fraud cancellation", []step{parentEvent(session.Settled), parentEvent(session.FraudCancellationRequested)}, session.Settled, session.FraudCancellationRequested, session.ReasonParentClosed},
		{"child's cancel declined, parent following it", []step{childCancel}, session.Authorised, session.CancelRequested, ""},
		{"child's cancel declined, parent canceled", []step{childCancel, parentEvent(session.Canceled)}, session.Authorised, session.Canceled, session.ReasonParentClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Second)
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.steps {
				f.clock.Advance(time.Second)
				if err := s(f, parent.ID, child.ID); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.mustGet(t, parent.ID).Status; got != tt.parent {
				t.Fatalf("parent = %s; want %s", got, tt.parent)
			}
			before := f.mustGet(t, child.ID).Status
			f.clock.Advance(time.Second)
			_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: tt.event})
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("child %s under a %s parent = %v; want it applied", tt.event, tt.parent, err)
			case tt.reason != "" && (session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != tt.reason):
				t.Errorf("child %s under a %s parent = %v; want 409 %s", tt.event, tt.parent, err, tt.reason)
			}
			want := tt.event
			if tt.reason != "" {
				want = before
			}
			if got := f.mustGet(t, child.ID).Status; got != want {
				t.Errorf("child = %s; want %s", got, want)
			}
		})
	}
}

// closedMoves is docs/design.md §4's list of moves from a closed status,
// and allowed the whole list, restated from its words (not from
// session.CanTransition):
//
//	"open → any open status (order is not guaranteed and a status may
//	repeat, as document 001 warns), or → AUTHORISED, SETTLED, FAILED,
//	CANCELED. AUTHORISED → SETTLED, CANCEL_REQUESTED, CANCELED, FAILED,
//	FRAUD_CANCELLATION_REQUESTED. SETTLED → FRAUD_CANCELLATION_REQUESTED.
//	CANCEL_REQUESTED → CANCELED, AUTHORISED. FRAUD_CANCELLATION_REQUESTED →
//	CANCELED. FAILED, CANCELED, EXPIRED are final. EXPIRED is set by the
//	system only."
var closedMoves = map[session.Status][]session.Status{
	session.Authorised:                 {session.Settled, session.CancelRequested, session.Canceled, session.Failed, session.FraudCancellationRequested},
	session.Settled:                    {session.FraudCancellationRequested},
	session.CancelRequested:            {session.Canceled, session.Authorised},
	session.FraudCancellationRequested: {session.Canceled},
}

var openStatuses = []session.Status{session.Created, session.Processing, session.Sent, session.RequestReceived, session.RequiresAction, session.OTPPending}

func allowed(from, to session.Status) bool {
	if slices.Contains(openStatuses, from) {
		return slices.Contains(openStatuses, to) || to == session.Authorised || to == session.Settled || to == session.Failed || to == session.Canceled
	}
	return slices.Contains(closedMoves[from], to)
}

// reach stores a new session of m-1 and brings it to status from by the
// API's own moves (an EXPIRED one is created in the past).
func (f *fixture) reach(t *testing.T, from session.Status) *session.Session {
	t.Helper()
	ctx := context.Background()
	if from == session.Expired {
		v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now().Add(-31*time.Minute), session.DefaultPolicy)
		if err := f.st.Import(ctx, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := f.create(t, "m-1")
	var path []func() error
	ev := func(st session.Status) func() error {
		return func() error { _, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: st}); return err }
	}
	switch from {
	case session.Created:
	case session.CancelRequested:
		path = append(path, ev(session.Authorised), func() error { _, err := f.st.Cancel(ctx, "m-1", v.ID, ""); return err })
	case session.FraudCancellationRequested:
		path = append(path, ev(session.Settled), ev(from))
	default:
		path = append(path, ev(from))
	}
	for _, step := range path {
		if err := step(); err != nil {
			t.Fatalf("reaching %s: %v", from, err)
		}
	}
	if got := f.mustGet(t, v.ID).Status; got != from {
		t.Fatalf("reached %s; want %s", got, from)
	}
	return v
}

// TestEveryTransitionThroughTheStore: every pair of the 13 statuses as a
// processor event (169), and the merchant's cancel from each status: "
// Merchant cancel: open → CANCELED; AUTHORISED → CANCEL_REQUESTED; otherwise
// 409." What the list allows is applied; everything else is 409 and
// changes nothing, a repeat of the same open status included (allowed),
// EXPIRED from a processor included (refused). Each refusal carries the
// code §4 names for it, so a client can tell an expired session from a
// move the lifecycle does not have.
func TestEveryTransitionThroughTheStore(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, from := range session.Statuses {
		for _, to := range session.Statuses {
			v := f.reach(t, from)
			got, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: to})
			switch {
			case allowed(from, to) && (err != nil || got.Status != to):
				t.Errorf("%s -> %s = %v, %v; want applied", from, to, got, err)
			case !allowed(from, to) && (session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != refusal(from)):
				t.Errorf("%s -> %s = %v (%s); want 409 %s", from, to, err, session.ErrorReason(err), refusal(from))
			case !allowed(from, to) && f.mustGet(t, v.ID).Status != from:
				t.Errorf("%s -> %s refused, but the session changed", from, to)
			}
		}
		v := f.reach(t, from)
		want := map[bool]session.Status{true: session.Canceled}[slices.Contains(openStatuses, from)]
		if from == session.Authorised {
			want = session.CancelRequested
		}
		got, err := f.st.Cancel(ctx, "m-1", v.ID, "")
		switch {
		case want != "" && (err != nil || got.Status != want):
			t.Errorf("cancel of %s = %v, %v; want %s", from, got, err, want)
		case want == "" && (session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != refusal(from)):
			t.Errorf("cancel of %s = %v (%s); want 409 %s", from, err, session.ErrorReason(err), refusal(from))
		}
	}
}

// refusal is the code docs/design.md §4 gives a move refused from status
// from: "every write is refused with 409 SESSION_EXPIRED" once a session
// has expired, and "Any other move is 409 INVALID_TRANSITION" (a merchant's
// cancel of a status it cannot cancel included: "anything else is 409").
func refusal(from session.Status) string {
	if from == session.Expired {
		return session.ReasonSessionExpired
	}
	return session.ReasonInvalidTransition
}

// TestIdempotencyKeyNotFreedByAnotherClock: docs/design.md §8, the
// Idempotency-Key record has a "24 h TTL", and the store promises the key
// is "never [free] before IdempotencyTTL has passed". A create of a child
// reads its parent; a parent last changed by an instance whose clock runs
// ahead (within the 1 s the store follows) moves the attempt's instant
// ahead. The key's freedom is judged by the clock, not by that instant: a
// retry half a second before the 24 h are up is still the first answer's
// replay, not a second session under the same key.
func TestIdempotencyKeyNotFreedByAnotherClock(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	idem := &store.Idempotency{MerchantID: "m-1", Key: "order-1002", RequestHash: store.HashRequest([]byte("body"))}
	first := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
	if _, r, err := f.st.Create(ctx, first, idem, 201, idBody); err != nil || r != nil {
		t.Fatalf("first Create() = %+v, %v; want a new session", r, err)
	}
	f.clock.Set(t0.Add(store.IdempotencyTTL - time.Minute))
	parent := f.create(t, "m-1")
	f.clock.Set(t0.Add(store.IdempotencyTTL - 500*time.Millisecond))
	ahead := storetest.NewClock(f.clock.Now().Add(900 * time.Millisecond))
	other := store.New(f.db, f.table, session.DefaultPolicy, 16, ahead.Now)
	if _, err := other.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: session.Processing}); err != nil {
		t.Fatal(err)
	}
	retry := f.newDraftSession("m-1", parent.ID)
	_, r, err := f.st.Create(ctx, retry, idem, 201, idBody)
	if err != nil {
		t.Fatalf("retry Create() = %v", err)
	}
	if r == nil || r.SessionID != first.ID {
		t.Errorf("retry 24 h - 0.5 s after the first use: replay %+v; want the first answer's (session %s), not a new session %s", r, first.ID, retry.ID)
	}
}
