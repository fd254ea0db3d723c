package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestImportAllWritesItemsLeftUnprocessed: ImportAll "writes many
// sessions exactly as given, 25 to a BatchWriteItem": all of them, when
// DynamoDB leaves some of a batch unprocessed (as it may under load):
// they are sent again. Here the first batch's
// every item comes back unprocessed, unwritten; each of the 30 sessions is
// then stored. An ImportAll that dropped them passed every test, and the
// tests of other packages that import a table with it would have run on
// part of it (r96-mutate).
func TestImportAllWritesItemsLeftUnprocessed(t *testing.T) {
	ctx := context.Background()
	var batches atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != "BatchWriteItem" || batches.Add(1) > 1 {
			return nil, nil
		}
		var in struct{ RequestItems json.RawMessage }
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		out, err := json.Marshal(map[string]json.RawMessage{"UnprocessedItems": in.RequestItems})
		if err != nil {
			return nil, err
		}
		return storetest.Success(req, out), nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	var vs []*session.Session
	for range 30 {
		vs = append(vs, session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", f.clock.Now(), session.DefaultPolicy))
	}
	if err := f.st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	if got := batches.Load(); got < 3 {
		t.Errorf("BatchWriteItems sent: got %d; want at least 3 (two batches, the first again)", got)
	}
	for _, v := range vs {
		if _, err := f.clean().Get(ctx, v.ID); err != nil {
			t.Errorf("Get(%s) after ImportAll = %v; want it stored", v.ID, err)
		}
	}
}
