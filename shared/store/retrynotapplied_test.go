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

// TestTransactionRetryCanceledByAnotherWrite: a family transaction whose
// first try DynamoDB did not apply (a 500), and whose SDK retry is canceled
// because another writer changed the other member in between, is decided
// again from the members as they now stand (docs/design.md §8: "A change
// is made no earlier than the latest change it read"): the item the
// transaction would have written first still stands at the version it
// read, below the one the write would have made, and judging that as this
// write's own (or as a count of writes past it) is no answer. The child's
// money lands, moving its parent, as it would have without the fault.
func TestTransactionRetryCanceledByAnotherWrite(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	var calls atomic.Int64
	var f *fixture
	var parent string
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "TransactWriteItems" || !armed.Load() || calls.Add(1) > 1 {
			return nil, nil
		}
		// Another container moves the parent before the SDK retries.
		if _, err := f.clean().ApplyEvent(ctx, "", parent, &session.Event{Status: session.Processing, EventID: "other"}); err != nil {
			t.Errorf("the other writer's event: %v", err)
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "injected"), nil
	}}
	f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	p := f.create(t, "m-1")
	parent = p.ID
	c := f.createChild(t, p)
	armed.Store(true)
	got, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth"})
	armed.Store(false)
	if calls.Load() < 2 {
		t.Fatalf("the SDK did not retry (%d calls): the test tests nothing", calls.Load())
	}
	if err != nil || got.Status != session.Authorised {
		t.Fatalf("the child's AUTHORISED: got %v, %v (%s); want AUTHORISED", got, err, session.ErrorReason(err))
	}
	for id, want := range map[string]session.Status{c.ID: session.Authorised, p.ID: session.Authorised} {
		if s := f.mustGet(t, id); s.Status != want {
			t.Errorf("session %s: got %s; want %s", id, s.Status, want)
		}
	}
}
