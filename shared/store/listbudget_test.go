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
		return allUnprocessed(req, res)
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)

	now, wait := ceilingClock()
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
		start := now()
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
		// "A wait whose ceiling would end past cut ... is not waited":
		// the waits stopped within the budget, whatever the round's own
		// deadline (real time, which a loaded machine can run out of
		// first, and which would answer the same cursor) did.
		if waited := now().Sub(start); waited > budget {
			t.Errorf("limit %d: the round waited %v (its waits' ceilings); want at most the budget, %v", limit, waited, budget)
		}
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

// TestListRoundCallsStopAtTheBudget: a round after the first is started
// only before the budget ends, and its calls (the index Queries, the
// BatchGetItems and their re-reads) are cut off when it ends, whatever the
// SDK is doing: retrying a throttled call (up to 1.2 s of waits), or
// waiting out an attempt that hangs (3 s each, five of them). Else a round
// begun just before the budget ran out read DynamoDB to the end of the
// request's context, through the 2 s listReserve and the function's 1 s
// answerReserve: 503 where the README promises "One list reads DynamoDB
// for at most 10 s" and a page ending early with a Link (LIST_TOO_LARGE
// for a whole day). The round's sessions stay unread for the cursor.
// The budget's clock is the test's: once the first round has read, it is
// moved to 1 s before the budget ends, and the second round's call hangs
// until its context ends, which only a cut at the budget does within the
// listing's own context (15 s: 503 before the fix). That context also holds
// the first round (a Query and four 100-key consistent BatchGetItems, real
// calls): at 5 s a loaded machine left the first round 4 s, at 15 s 14 s;
// a passing run never waits for it. The second round's 1 s holds no
// DynamoDB call (its first call is the one that hangs), only the SDK's
// building of it.
func TestListRoundCallsStopAtTheBudget(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	const budget = 10 * time.Second
	tests := []struct {
		name  string
		hung  string // the second round's call that hangs
		live  int    // sessions listed, after 100 purged ones if purged
		purge bool
		limit int
		want  int // sessions listed by the first round
	}{
		// The first round reads 400; the 401st (or a page's look-ahead)
		// is the second round's BatchGetItem.
		{"BatchGetItem, whole day", "BatchGetItem", 401, false, 0, 400},
		{"BatchGetItem, page of 400", "BatchGetItem", 401, false, 400, 400},
		// The page's first Query (Limit 64) reads only purged entries:
		// the second round queries again.
		{"Query, page of 1", "Query", 1, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var listing atomic.Bool // the hook acts on the listing's calls only
			var mu sync.Mutex
			wall := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			start := wall
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
			// arm moves the budget's clock to 1 s before its end and
			// makes the next calls of the hung kind hang: once the first
			// round has read what it reads.
			var hang, hung atomic.Bool
			arm := func() {
				if hang.Swap(true) {
					return
				}
				mu.Lock()
				wall = start.Add(budget - time.Second)
				mu.Unlock()
			}
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != tt.hung || !listing.Load() {
					return nil, nil
				}
				if !hang.Load() {
					if tt.purge {
						arm() // the first round's one Query: it reads only purged entries
					}
					return nil, nil
				}
				hung.Store(true)
				<-req.Context().Done() // DynamoDB never answers
				return nil, req.Context().Err()
			}}
			db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			table := storetest.NewTable(t, db)
			clock := storetest.NewClock(t0)
			// One list partition: the first round's Query is one call.
			st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListShards(1), store.ListBudget(budget),
				store.ListClock(now, func(context.Context, time.Duration) error { return nil }))
			var vs []*session.Session
			if tt.purge {
				vs = sessions("m-1", t0, 100, true)
			}
			vs = append(vs, sessions("m-1", t0.Add(50*time.Minute), tt.live, false)...)
			if err := st.ImportAll(context.Background(), vs); err != nil {
				t.Fatal(err)
			}
			if tt.purge {
				clock.Set(t0.Add(51 * time.Minute)) // every purged one is past its retention
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			listing.Store(true)
			listed := 0
			next, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: tt.limit}, func(*session.Session) bool {
				arm() // the first round has read its sessions
				listed++
				return true
			})
			listing.Store(false)
			if !hung.Load() {
				t.Fatalf("the second round's %s never hung: the test tests nothing", tt.hung)
			}
			if err != nil {
				t.Fatalf("a round cut by the budget = %v (code %q); want the listing's cursor", err, session.ErrorCode(err))
			}
			if listed != tt.want || next == "" {
				t.Fatalf("%d listed, next %q; want the first round's %d and a cursor", listed, next, tt.want)
			}
			// The cursor resumes with the sessions the cut round left unread.
			var rest, want []string
			if _, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0, Limit: tt.limit, Cursor: next}, func(v *session.Session) bool {
				rest = append(rest, v.ID)
				return true
			}); err != nil {
				t.Fatal(err)
			}
			for _, v := range vs[len(vs)-tt.live+tt.want:] {
				want = append(want, v.ID)
			}
			if !slices.Equal(rest, want) {
				t.Errorf("the cursor's listing = %v; want %v", rest, want)
			}
		})
	}
}

// allUnprocessed is the answer to the BatchGetItem req when DynamoDB leaves
// every key of it unprocessed (res, DynamoDB's own, if req cannot be read).
func allUnprocessed(req, res []byte) []byte {
	var in struct{ RequestItems map[string]any }
	if json.Unmarshal(req, &in) != nil {
		return res
	}
	b, _ := json.Marshal(map[string]any{"Responses": map[string]any{}, "UnprocessedKeys": in.RequestItems})
	return b
}

// ceilingClock is a wall clock for store.ListClock that only the list's
// waits move, each by its ceiling (the longest draw), never slept.
func ceilingClock() (now func() time.Time, wait func(context.Context, time.Duration) error) {
	var mu sync.Mutex
	wall := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	now = func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	wait = func(_ context.Context, ceiling time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		wall = wall.Add(ceiling)
		return nil
	}
	return now, wait
}
