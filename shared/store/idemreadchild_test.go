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

// TestChildCreateRetryWithItsRecordUnreadableIs503: a create's
// Idempotency-Key replays its first answer "whatever has become of the
// parent since" (Store.Create), so a retried create of a child whose
// first try landed — its parent now holds that very child and refuses
// another — is the replay, not a refusal. When the key's record cannot be
// read (README's 503: DynamoDB "failing past the SDK's retries"), whether
// the retry is a replay is unknown: 503, never the parent's 409 (a
// merchant told no child was made for one that was). Kills sessions.go's
// remembered read error ignored after a refusal (r101-mutate 13).
func TestChildCreateRetryWithItsRecordUnreadableIs503(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op == "GetItem" && armed.Load() && bytes.Contains(body, []byte("IDEMPOTENCY#")) {
			return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	parent := f.create(t, "m-1")
	idem := &store.Idempotency{MerchantID: "m-1", Key: "child-1", RequestHash: store.HashRequest([]byte("child body"))}
	first := f.newDraftSession("m-1", parent.ID)
	if _, r, err := f.st.Create(ctx, first, idem, 201, idBody); err != nil || r != nil {
		t.Fatalf("first Create() = %+v, %v; want a new child", r, err)
	}
	armed.Store(true)
	retry := f.newDraftSession("m-1", parent.ID)
	_, r, err := f.st.Create(ctx, retry, idem, 201, idBody)
	armed.Store(false)
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE || r != nil {
		t.Errorf("retried Create() = %+v, %v: got code %v; want %v", r, err, got, session.EUNAVAILABLE)
	}
	// With the record readable again, the retry is the first answer.
	_, r, err = f.st.Create(ctx, f.newDraftSession("m-1", parent.ID), idem, 201, idBody)
	if err != nil || r == nil || r.SessionID != first.ID {
		t.Errorf("retried Create() once the record reads = %+v, %v; want the replay of %s", r, err, first.ID)
	}
}
