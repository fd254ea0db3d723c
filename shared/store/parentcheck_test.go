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

// TestChildSettlesOnlyUnderTheParentAsRead: a child already AUTHORISED
// "may still settle while the parent shows that money (`AUTHORISED` or
// `SETTLED`) ..., never once the parent is `CANCELED`, `FAILED`,
// `CANCEL_REQUESTED` or `FRAUD_CANCELLATION_REQUESTED` (409
// `PARENT_CLOSED`)" (docs/design.md §4). A parent settled by its own event
// does not follow the child, so the child's settlement writes the child
// alone, on the parent as read: a parent moved on meanwhile (another
// instance's event landing between the read and the write) must be seen,
// not written over by a decision taken before it.
func TestChildSettlesOnlyUnderTheParentAsRead(t *testing.T) {
	tests := []struct {
		name              string
		racing            session.Status // the parent's event landing while the child's write is in flight; "" none
		wantErr           string         // the child's answer: "" or an error reason
		wantParent, child session.Status
	}{
		{"parent unchanged", "", "", session.Settled, session.Settled},
		{"parent's fraud cancellation requested meanwhile", session.FraudCancellationRequested, session.ReasonParentClosed, session.FraudCancellationRequested, session.Authorised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var armed atomic.Bool
			var f *fixture
			var parentID string
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if (op == "TransactWriteItems" || op == "PutItem") && armed.CompareAndSwap(true, false) && tt.racing != "" {
					if _, err := f.clean().ApplyEvent(ctx, "", parentID, &session.Event{Status: tt.racing}); err != nil {
						t.Errorf("parent %s = %v", tt.racing, err)
					}
				}
				return nil, nil
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			parent := f.create(t, "m-1")
			parentID = parent.ID
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Fatal(err)
			}
			// The parent's own settlement: no longer set by the child.
			if _, err := f.st.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: session.Settled}); err != nil {
				t.Fatal(err)
			}
			armed.Store(true)
			_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Settled})
			if got := session.ErrorReason(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Errorf("child SETTLED = %v (%s); want %q", err, got, tt.wantErr)
			}
			p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID)
			if p.Status != tt.wantParent || c.Status != tt.child {
				t.Errorf("parent %s, child %s; want %s and %s", p.Status, c.Status, tt.wantParent, tt.child)
			}
		})
	}
}
