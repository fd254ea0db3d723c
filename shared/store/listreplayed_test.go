package store_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListRefusesAPageBeforeItsStart: a partition's next Query starts
// after the last key the one before evaluated (ExclusiveStartKey), and
// DynamoDB answers only keys after it. An answer that gives the first
// page's entries again (a proxy replaying an answer) is not DynamoDB's:
// read as it came, its sessions were listed twice, so it is 503 ("a list
// index entry ... out of the index's order": docs/design.md §8), as an
// entry out of order within one page is. One partition: 30 live sessions,
// 40 gone, then 5 live; a page of 40 reads the first Query's 64 entries,
// then asks for more.
func TestListRefusesAPageBeforeItsStart(t *testing.T) {
	var (
		mu    sync.Mutex
		first []byte
	)
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "Query" {
			return res
		}
		mu.Lock()
		defer mu.Unlock()
		if !bytes.Contains(req, []byte("ExclusiveStartKey")) {
			first = res
			return res
		}
		return first // the first page again
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}, MaxAttempts: 1})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListBudget(time.Hour), store.ListShards(1))
	ctx := context.Background()
	vs := sessions("m-1", t0, 30, false)
	vs = append(vs, sessions("m-1", t0.Add(30*time.Millisecond), 40, true)...)
	vs = append(vs, sessions("m-1", t0.Add(70*time.Millisecond), 5, false)...)
	if err := st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	// The closed ones are past their retention, their entries still in
	// the list's window.
	clock.Set(t0.Add(20 * time.Minute))
	listed := 0
	_, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 40}, func(*session.Session) bool { listed++; return true })
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
		t.Errorf("got %v (%v, %d listed); want %v", got, err, listed, session.EUNAVAILABLE)
	}
}
