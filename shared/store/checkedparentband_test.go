package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestCheckedParentHoldsTheBand: a child kept beyond its parent "takes no
// money once the parent is gone: its declined cancellation and its SETTLED
// are 409 PARENT_CLOSED" (README, Child sessions), and (README, Lifecycle,
// Guard band) "a write judges the session as it will be WRITE_GUARD from
// now ... Each write's condition is built from the clock plus the band".
// When the child's money does not move its parent (a parent SETTLED by its
// own processor), the parent is not written but checked in the same
// transaction (Txn.Check). That check must hold the parent to the band as
// a written session's condition does: else a decision taken just outside
// the parent's band, on a read that took seconds, is written with the
// clock read again and can land after a client has read the parent 404.
func TestCheckedParentHoldsTheBand(t *testing.T) {
	ctx := context.Background()
	// Each write is 2.6 s on its way when a client reads the parent:
	// within the write deadline (4/5 of the band, 4 s).
	const flight = 2600 * time.Millisecond
	tests := []struct {
		name     string
		read     time.Duration // how long the parent's read takes
		wantPoll pollResult    // the parent as the client reads it
		want     session.Status
		wantErr  string // the event's refusal reason, "" none
	}{
		{"parent read at once: lands before the parent's end", 0, pollResult{status: session.Settled}, session.Authorised, ""},
		{"parent read in 3 s: the parent is gone when it would land", 3 * time.Second, pollResult{code: session.ENOTFOUND}, session.CancelRequested, session.ReasonParentClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var f *fixture
			var parentID string
			var end time.Time
			var seen []pollResult
			ic := &storetest.Interceptor{}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			clean := f.clean()
			ic.Hook = func(op string, _ *http.Request, body []byte) (*http.Response, error) {
				if !armed.Load() {
					return nil, nil
				}
				switch {
				case op == "GetItem" && strings.Contains(string(body), parentID):
					f.clock.Advance(tt.read)
				case op == "TransactWriteItems" || op == "PutItem":
					armed.Store(false)
					// The write is on its way (within its deadline) when
					// a client reads the parent.
					f.clock.Advance(flight)
					seen = append(seen, poll(t, clean, parentID))
				}
				return nil, nil
			}
			// The family of TestSkewedWritersTakeNoMoneyUnderAGoneParent:
			// the parent SETTLED by its own processor after showing its
			// child's AUTHORISED, the child kept beyond it by its
			// merchant's later cancel request.
			parent := f.create(t, "m-1")
			parentID = parent.ID
			c := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Second)
			for _, step := range []func() error{
				func() error { return event(session.Authorised)(f, c.ID) },
				func() error { return event(session.Settled)(f, parent.ID) },
				func() error { _, err := f.st.Cancel(ctx, "m-1", c.ID, ""); return err },
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(5 * time.Minute)
			}
			end = f.mustGet(t, parent.ID).RetainUntil
			// Decided 100 ms before the parent's band: the parent is there.
			f.clock.Set(end.Add(-session.DefaultWriteGuard - 100*time.Millisecond))
			armed.Store(true)
			_, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised})
			armed.Store(false)
			if len(seen) == 0 || seen[0] != tt.wantPoll {
				t.Fatalf("parent polled while the write was on its way: got %v; want %v", seen, tt.wantPoll)
			}
			if got := f.mustGet(t, c.ID).Status; got != tt.want {
				t.Errorf("child after its declined cancellation (answer %v), the parent read %v meanwhile: got %s; want %s", err, seen[0], got, tt.want)
			}
			if (tt.wantErr == "") != (err == nil) || tt.wantErr != "" && session.ErrorReason(err) != tt.wantErr {
				t.Errorf("declined cancellation: got %v; want reason %q", err, tt.wantErr)
			}
		})
	}
}
