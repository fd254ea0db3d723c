package store_test

import (
	"context"
	"github.com/google/uuid"
	"net/http"
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

// TestAcknowledgementJudgedAfterTheRead: docs/design.md §4, "a retry after
// the session has expired or closed still answers 200 with the session as
// it is (until retainUntil)", "After retainUntil the session does not exist
// for any endpoint, reads and writes alike (404)", and "A session read as
// EXPIRED or 404 never comes back". The acknowledgement of a retried
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
			v := f.create(t, "m-1")
			ev := &session.Event{Status: session.Processing, EventID: "evt-1"}
			if _, err := f.st.ApplyEvent(ctx, v.ID, ev); err != nil {
				t.Fatal(err)
			}
			if tt.close {
				var err error
				if v, err = f.st.ApplyEvent(ctx, v.ID, &session.Event{Status: session.Failed}); err != nil {
					t.Fatal(err)
				}
			}
			edge := tt.edge(v)
			f.clock.Set(edge.Add(-time.Second))
			after := edge.Add(time.Second)
			sr.to.Store(&after)
			got := outcome(f.st.ApplyEvent(ctx, v.ID, ev))
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

// TestIdempotencyKeyRememberedFull24Hours: docs/design.md §8, "Idempotency
// record: IDEMPOTENCY#<merchantId>#<key> / IDEMPOTENCY (24 h TTL; same key
// with a different body → 409)", and the README: "Keys are per merchant and
// remembered for 24 hours". A key first used at a fraction of a second must
// not be free again before 24 hours have passed: a retry just short of them
// replays the first answer, it does not create a second session.
func TestIdempotencyKeyRememberedFull24Hours(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		first  time.Duration // the first use, after t0
		retry  time.Duration // the retry, after the first use
		replay bool
	}{
		{"whole second, 1 ns short of 24 h", 0, store.IdempotencyTTL - time.Nanosecond, true},
		{"whole second, at 24 h", 0, store.IdempotencyTTL, false},
		{"at .7 s, 0.5 s short of 24 h", 700 * time.Millisecond, store.IdempotencyTTL - 500*time.Millisecond, true},
		{"at .7 s, 100 ns short of 24 h", 700 * time.Millisecond, store.IdempotencyTTL - 100*time.Nanosecond, true},
		{"at .7 s, 24 h + 0.3 s", 700 * time.Millisecond, store.IdempotencyTTL + 300*time.Millisecond, false},
		{"at .7 s, 24 h + 1 s", 700 * time.Millisecond, store.IdempotencyTTL + time.Second, false},
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
