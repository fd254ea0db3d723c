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
