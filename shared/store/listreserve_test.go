package store_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListKeepsItsReserveOfTheDeadline: README's "One list reads DynamoDB
// for at most 10 s (less when the Lambda's deadline is nearer: 2 s are kept
// to answer)". A listing stops starting rounds 2 s before its context's
// deadline (listReserve), not at the deadline itself: with the listing's
// clock 0.1 s into that reserve once the first round's Query has answered
// (passing only purged entries), the second round is never started, and
// the cursor lists the live session. A listing that kept no reserve read
// on (r91-mutate's mutant L2: deadline = the context's own).
//
// The listing's clock is the test's (ListClock), moved by the first
// Query: the context's deadline, a minute away, only bounds a first round
// that never ends. Before, the context ended 2.5 s after the listing began
// and the first Query was slowed by 0.7 s of wall time: a first round that
// took over 2.5 s on a loaded machine (DynamoDB Local stalls for seconds
// at a time) ended the context under it, an error.
func TestListKeepsItsReserveOfTheDeadline(t *testing.T) {
	start := time.Now()
	end := start.Add(time.Minute) // the context's deadline
	var mu sync.Mutex
	listNow := start
	listClock := func() time.Time { mu.Lock(); defer mu.Unlock(); return listNow }
	var listing, moved atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op == "Query" && listing.Load() && !moved.Swap(true) {
			mu.Lock()
			listNow = end.Add(-2*time.Second + 100*time.Millisecond)
			mu.Unlock()
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	// The budget is far beyond the context's deadline: the reserve alone
	// stops the listing.
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListShards(1), store.ListBudget(time.Hour),
		store.ListClock(listClock, func(context.Context, time.Duration) error { return nil }))
	// The page's first Query (Limit 64) reads only the 100 purged entries:
	// the live session is the second round's.
	vs := append(sessions("m-1", t0, 100, true), sessions("m-1", t0.Add(50*time.Minute), 1, false)...)
	if err := st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(51 * time.Minute))
	ctx, cancel := context.WithDeadline(context.Background(), end)
	defer cancel()
	listing.Store(true)
	var got []string
	next, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 1}, func(v *session.Session) bool {
		got = append(got, v.ID)
		return true
	})
	listing.Store(false)
	if !moved.Load() {
		t.Fatal("no Query moved the listing's clock: the test tests nothing")
	}
	if err != nil || len(got) != 0 || next == "" {
		t.Fatalf("listing 1.9 s before its context's deadline = %d listed, next %q, %v; want none and a cursor (the round after the first starts only before the deadline less 2 s)", len(got), next, err)
	}
	var rest []string
	if _, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 1, Cursor: next}, func(v *session.Session) bool {
		rest = append(rest, v.ID)
		return true
	}); err != nil || !slices.Equal(rest, []string{vs[100].ID}) {
		t.Errorf("the cursor's listing = %v, %v; want the live session", rest, err)
	}
}

// TestListFirstRoundWaitsOutUnprocessedKeys: README's "only the list's
// first round always runs to its end". A budget already spent when the
// first round's BatchGetItem leaves its keys unprocessed does not stop
// that round: its backoff is waited and the keys read again, so every
// listing makes progress. Cut like a later round's (r91-mutate's mutant
// L7), the first round gave back its own cursor with nothing listed, and
// a client following the Links while DynamoDB left keys unprocessed went
// round in place. The clock is the test's, moved by each wait's ceiling.
func TestListFirstRoundWaitsOutUnprocessedKeys(t *testing.T) {
	var unprocessed atomic.Int32 // BatchGetItems answered with every key unprocessed
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "BatchGetItem" || unprocessed.Add(1) > 1 {
			return res
		}
		return allUnprocessed(req, res)
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	now, wait := ceilingClock()
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListBudget(time.Millisecond), store.ListClock(now, wait))
	vs := sessions("m-1", t0, 3, false)
	if err := st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	unprocessed.Store(0)
	var got, want []string
	next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
		got = append(got, v.ID)
		return true
	})
	for _, v := range vs {
		want = append(want, v.ID)
	}
	if err != nil || !slices.Equal(got, want) || next != "" {
		t.Errorf("first round with its keys left unprocessed past a spent budget = %d listed, next %q, %v; want all %d, complete", len(got), next, err, len(want))
	}
	if unprocessed.Load() < 2 {
		t.Errorf("%d BatchGetItems; want the first left unprocessed and a second", unprocessed.Load())
	}
}
