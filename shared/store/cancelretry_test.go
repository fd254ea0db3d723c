package store_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestCancelRetriedAfterAnUnknownOutcome: a merchant cancel that DynamoDB
// applied but whose answers were all throttled is 503 (the outcome is
// unknown to the service). The cancel takes neither an `Idempotency-Key`
// nor an `eventId`, so its retry is judged afresh: README's cancel section
// says "a retry of a cancel that landed is 409 `INVALID_TRANSITION`, and
// the session then reads `CANCELED` or `CANCEL_REQUESTED` with the cancel
// in its history": the cancel applied once, never twice, and the retry
// never a second change.
func TestCancelRetriedAfterAnUnknownOutcome(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		setup []session.Status
		want  session.Status
	}{
		{"an open session", nil, session.Canceled},
		{"an authorised session", []session.Status{session.Authorised}, session.CancelRequested},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var landed atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "PutItem" || !armed.Load() {
					return nil, nil
				}
				if landed.Add(1) == 1 {
					if status, err := storetest.Apply(req); err != nil || status != http.StatusOK {
						t.Errorf("the cancel's first try: %d, %v; want it applied (200)", status, err)
					}
				}
				return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			v := f.create(t, "m-1")
			for _, s := range tt.setup {
				if _, err := f.clean().ApplyEvent(ctx, "", v.ID, &session.Event{Status: s}); err != nil {
					t.Fatal(err)
				}
			}
			armed.Store(true)
			got, err := f.st.Cancel(ctx, "m-1", v.ID, "")
			armed.Store(false)
			if session.ErrorCode(err) != session.EUNAVAILABLE {
				t.Fatalf("cancel whose answers were all throttled = %v, %v; want EUNAVAILABLE (outcome unknown)", got, err)
			}
			got, err = f.st.Cancel(ctx, "m-1", v.ID, "")
			if r := session.ErrorReason(err); r != session.ReasonInvalidTransition {
				t.Errorf("the retried cancel = %v, %v (%s); want %s", got, err, r, session.ReasonInvalidTransition)
			}
			s := f.mustGet(t, v.ID)
			if s.Status != tt.want {
				t.Errorf("status after the retry = %s; want %s", s.Status, tt.want)
			}
			n := 0
			for _, c := range s.History {
				if c.Status == tt.want {
					n++
				}
			}
			if n != 1 {
				t.Errorf("history %v holds %s %d times; want once", statuses(s), tt.want, n)
			}
		})
	}
}
