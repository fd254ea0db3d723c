package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestTransactionCarriesItsWriteIDAsToken: README, "every write carries a
// `writeId` (a transaction, a `ClientRequestToken`)", and "A transaction is
// recognised by DynamoDB through its `ClientRequestToken`"; docs/design.md
// §8: every write "carries a write id (`ClientRequestToken` for
// transactions)". Every TransactWriteItems the store sends — a child's
// create with its Idempotency-Key, a child's money moving its parent, a
// parent's cancel closing its child — carries a token, and it is the
// writeId of every session item the transaction puts. Without the store's
// token the SDK fills in one of its own (a random one per call, kept over
// its retries), so a transaction sent without the write's id still ended
// right and no test saw the token left out (r96-mutate); this one holds
// the documented link between the two.
func TestTransactionCarriesItsWriteIDAsToken(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var bodies [][]byte
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, body []byte) (*http.Response, error) {
		if op == "TransactWriteItems" {
			mu.Lock()
			bodies = append(bodies, body)
			mu.Unlock()
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	p := f.create(t, "m-1")
	c := f.newDraftSession("m-1", p.ID)
	idem := &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h"}
	if _, _, err := f.st.Create(ctx, c, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
		t.Fatal(err)
	}
	p2 := f.create(t, "m-1")
	c2 := f.newDraftSession("m-1", p2.ID)
	if _, _, err := f.st.Create(ctx, c2, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Cancel(ctx, "m-1", p2.ID, ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 4 {
		t.Fatalf("TransactWriteItems sent: got %d; want 4 (two creates of a child, a child's money, a parent's cancel)", len(bodies))
	}
	for i, body := range bodies {
		var in struct {
			ClientRequestToken string
			TransactItems      []struct {
				Put *struct {
					Item map[string]map[string]any
				}
			}
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatal(err)
		}
		if in.ClientRequestToken == "" {
			t.Errorf("transaction %d: got no ClientRequestToken; want the write's id", i)
			continue
		}
		sessions := 0
		for _, it := range in.TransactItems {
			if it.Put == nil || it.Put.Item["sk"]["S"] != "SESSION" {
				continue
			}
			sessions++
			if got := it.Put.Item["writeId"]["S"]; got != in.ClientRequestToken {
				t.Errorf("transaction %d: session item writeId %v; want the ClientRequestToken %q", i, got, in.ClientRequestToken)
			}
		}
		if sessions != 2 {
			t.Errorf("transaction %d: got %d session items put; want 2", i, sessions)
		}
	}
}
