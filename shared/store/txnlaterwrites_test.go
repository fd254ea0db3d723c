package store_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestTransactionRetryUnderLaterWrites: docs/design.md §8, "a session item
// keeps the ids of the writes that made its last 8 versions
// (`recentWrites` …); past them the outcome is unknown (503), never a
// guess", and README, "once its version is no longer among them (8 or more
// writes on top), the outcome is unknown and the answer is 503", for a
// transaction: a child's create linking its parent, applied by DynamoDB
// with its answer lost, then others' writes on the parent, then the SDK's
// retry canceled by its conditions (a token no longer recognised). With 7
// writes on top the parent still names the write: the create landed. With
// 8 its version is past them: 503. TestOwnWriteUnderLaterWrites held a
// single-item write to that bound; no test held a transaction to it, and
// one that decided again past it (a lost race) passed (r96-mutate).
func TestTransactionRetryUnderLaterWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		on   int          // open events on the parent between the applied try and the retry
		want session.Code // "" = created
	}{
		{7, ""},
		{8, session.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(string(rune('0'+tt.on))+" writes on top", func(t *testing.T) {
			var armed atomic.Bool
			var calls atomic.Int64
			var f *fixture
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op != "TransactWriteItems" || !armed.Load() {
					return nil, nil
				}
				if calls.Add(1) > 1 {
					return storetest.TransactionCanceled(req, body, "ConditionalCheckFailed", "ConditionalCheckFailed"), nil
				}
				if _, err := storetest.Apply(req); err != nil {
					return nil, err
				}
				other := f.clean()
				for _, s := range manyOpen(tt.on) {
					if _, err := other.ApplyEvent(ctx, "", f.lastID, &session.Event{Status: s}); err != nil {
						t.Errorf("write on top (%s) = %v", s, err)
					}
				}
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET} // answer lost
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			p := f.create(t, "m-1")
			f.lastID = p.ID
			c := f.newDraftSession("m-1", p.ID)
			armed.Store(true)
			_, _, err := f.st.Create(ctx, c, nil, 201, nil)
			armed.Store(false)
			if got := session.ErrorCode(err); got != tt.want {
				t.Errorf("Create(child) = %v (%s): got code %q; want %q", err, session.ErrorReason(err), got, tt.want)
			}
			if calls.Load() < 2 {
				t.Errorf("the SDK did not retry (%d calls): the test tests nothing", calls.Load())
			}
			// The child landed once either way: the parent links it, and
			// each item's version counts its writes.
			parent := f.mustGet(t, p.ID)
			if parent.ChildSessionID != c.ID {
				t.Errorf("parent links %q; want the child %q", parent.ChildSessionID, c.ID)
			}
			if want := int64(len(parent.History)) + 1; parent.Version != want {
				t.Errorf("parent: version %d with %d history entries and a child: written more than once", parent.Version, len(parent.History))
			}
			if child := f.mustGet(t, c.ID); child.Version != 1 {
				t.Errorf("child: version %d; want 1", child.Version)
			}
		})
	}
}
