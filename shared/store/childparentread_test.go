package store_test

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestChildEventNeedsNoParentReadFirst: a child's event reads its parent
// only when it may take money or the child holds money its parent may
// show (session.NeedsParent), and a repeated eventId is looked at before
// anything else (docs/design.md §2: "The service checks it before
// anything else: an event already applied answers 200 with the session as
// it now is"). So while the parent's item cannot be read (DynamoDB
// failing past the SDK's retries), an open child's move to an open status
// and a repeat of a child's applied eventId still answer 200. Kills
// applyEvent's parent read made for every child event (r101-mutate 47)
// and a child's repeated eventId judged through ApplyToChild (45): both
// answered 503.
func TestChildEventNeedsNoParentReadFirst(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		before *session.Event // applied first, the parent readable
		ev     session.Event  // sent while the parent's read fails
		want   session.Status
	}{
		{"an open child's PROCESSING", nil, session.Event{Status: session.Processing, EventID: "proc"}, session.Processing},
		{"an AUTHORISED child's eventId repeated", &session.Event{Status: session.Authorised, EventID: "auth"}, session.Event{Status: session.Authorised, EventID: "auth"}, session.Authorised},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var failing atomic.Value // the parent's id while its read fails
			failing.Store("")
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if id := failing.Load().(string); op == "GetItem" && id != "" && bytes.Contains(body, []byte(id)) {
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
				}
				return nil, nil
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				if _, err := f.st.ApplyEvent(ctx, "", child.ID, tc.before); err != nil {
					t.Fatal(err)
				}
			}
			failing.Store(parent.ID)
			got, err := f.st.ApplyEvent(ctx, "", child.ID, &tc.ev)
			failing.Store("")
			if err != nil {
				t.Fatalf("ApplyEvent(%s) with the parent unreadable = %v: got code %v; want 200", tc.ev.Status, err, session.ErrorCode(err))
			}
			if got.Status != tc.want {
				t.Errorf("ApplyEvent(%s): got %s; want %s", tc.ev.Status, got.Status, tc.want)
			}
		})
	}
}

// TestOpenChildCancelNeedsNoParentRead: a merchant's cancel of an open
// child reads its parent no more than the child's open events do
// (session.NeedsParent: a cancel takes no money, and an open child holds
// none its parent may show). So while the parent's item cannot be read,
// the cancel still answers 200 CANCELED. Kills cancel's parent read made
// for every child (r102-mutate #120): it answered 503.
func TestOpenChildCancelNeedsNoParentRead(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Value // the parent's id while its read fails
	failing.Store("")
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if id := failing.Load().(string); op == "GetItem" && id != "" && bytes.Contains(body, []byte(id)) {
			return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	parent := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	failing.Store(parent.ID)
	got, err := f.st.Cancel(ctx, "m-1", child.ID, "")
	failing.Store("")
	if err != nil {
		t.Fatalf("Cancel of an open child with its parent unreadable = %v: got code %v; want 200", err, session.ErrorCode(err))
	}
	if got.Status != session.Canceled {
		t.Errorf("Cancel of an open child: got %s; want %s", got.Status, session.Canceled)
	}
}
