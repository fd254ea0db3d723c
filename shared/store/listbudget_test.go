package store_test

import (
	"context"
	"encoding/json"
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

// TestListThrottledRoundStopsAtTheBudget: the budget is checked between
// rounds, and one round's BatchGetItems of keys left unprocessed wait up
// to 25+50+100+200+400+500+500 ms (1.775 s) between their 8 tries, each try
// a call with the SDK's own throttled retries (up to 1.2 s more): a round
// begun just before the budget ran out could run seconds past it, through
// the 2 s listReserve and the function's 1 s answerReserve, to the end of
// the request's context: 503 where the budget promises "a Link" (a page
// ends early "when … the time budget runs out", handler doc) or
// LIST_TOO_LARGE for a whole day. A retry wait that would end past the
// budget is not waited: the round stops as the budget does, its sessions
// unread, and the listing returns its cursor. Only a round after the first
// (every listing makes progress). The clock is the test's, moved by each
// wait's ceiling (the longest draw), never slept.
func TestListThrottledRoundStopsAtTheBudget(t *testing.T) {
	var throttle atomic.Bool // every BatchGetItem leaves all its keys unprocessed
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "BatchGetItem" || !throttle.Load() {
			return res
		}
		var in struct {
			RequestItems map[string]any
		}
		if json.Unmarshal(req, &in) != nil {
			return res
		}
		b, _ := json.Marshal(map[string]any{"Responses": map[string]any{}, "UnprocessedKeys": in.RequestItems})
		return b
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)

	var mu sync.Mutex
	wall := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	wait := func(_ context.Context, ceiling time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		wall = wall.Add(ceiling)
		return nil
	}
	const budget = time.Second // a round begun at once has 25+50+100+200+400 ms of waits within it
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListBudget(budget), store.ListClock(now, wait))

	// listWindow (400) sessions are the first round; the 401st, or a
	// page's look-ahead past 400, is the second.
	vs := sessions("m-1", t0, 401, false)
	if err := st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, 400} {
		var got []string
		first := true
		next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit}, func(v *session.Session) bool {
			if first {
				// The first round has answered: the next is throttled.
				first = false
				throttle.Store(true)
			}
			got = append(got, v.ID)
			return true
		})
		throttle.Store(false)
		if err != nil {
			t.Errorf("limit %d: a round throttled past the budget = %v (code %q); want the listing's cursor, as the budget answers", limit, err, session.ErrorCode(err))
			continue
		}
		var want []string
		for _, v := range vs[:400] {
			want = append(want, v.ID)
		}
		if !slices.Equal(got, want) || next == "" {
			t.Errorf("limit %d: %d listed, next %q; want the first round's 400 and a cursor", limit, len(got), next)
			continue
		}
		// The cursor resumes with the 401st.
		var rest []string
		if _, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit, Cursor: next}, func(v *session.Session) bool {
			rest = append(rest, v.ID)
			return true
		}); err != nil || !slices.Equal(rest, []string{vs[400].ID}) {
			t.Errorf("limit %d: the cursor's listing = %d sessions, %v; want the 401st", limit, len(rest), err)
		}
	}
}
