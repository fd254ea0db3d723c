package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// listFixture is a store on a fresh table whose DynamoDB calls are counted.
type listFixture struct {
	*fixture
	calls *storetest.CallCounter
}

func newListFixture(t *testing.T, opts ...store.Option) *listFixture {
	t.Helper()
	return newListFixtureWith(t, nil, opts...)
}

// newListFixtureWith is newListFixture, its client given the middleware
// apiOptions too.
func newListFixtureWith(t *testing.T, apiOptions []func(*middleware.Stack) error, opts ...store.Option) *listFixture {
	t.Helper()
	calls := &storetest.CallCounter{}
	db := storetest.Client(t, store.ClientOptions{APIOptions: append([]func(*middleware.Stack) error{calls.APIOption}, apiOptions...)})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	// The budget is real time: only the budget's own test may run out of it.
	opts = append([]store.Option{store.ListBudget(time.Hour)}, opts...)
	return &listFixture{
		fixture: &fixture{db: db, table: table, clock: clock, st: store.New(db, table, session.DefaultPolicy, 16, clock.Now, opts...)},
		calls:   calls,
	}
}

// count is how many calls of op were made since the last Take.
func (f *listFixture) count(op string) int {
	n := 0
	for _, c := range f.calls.Take() {
		if c == op {
			n++
		}
	}
	return n
}

// sessions makes n sessions of merchant, created from start a millisecond
// apart; closed ones failed a second after creation.
func sessions(merchant string, start time.Time, n int, closed bool) []*session.Session {
	var vs []*session.Session
	for i := 0; i < n; i++ {
		created := start.Add(time.Duration(i) * time.Millisecond)
		v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, merchant, uuid.NewString(), "h", created, session.DefaultPolicy)
		if closed {
			if _, err := v.Apply(&session.Event{Status: session.Failed}, created.Add(time.Second), session.DefaultPolicy); err != nil {
				panic(err)
			}
		}
		vs = append(vs, v)
	}
	return vs
}

func (f *listFixture) list(t *testing.T, q store.ListQuery) ([]string, string) {
	t.Helper()
	var ids []string
	next, err := f.st.ListByDay(context.Background(), q, func(v *session.Session) bool {
		ids = append(ids, v.ID)
		return true
	})
	if err != nil {
		t.Fatalf("ListByDay(%+v) = %v", q, err)
	}
	return ids, next
}

// TestListSkipsThePurgedInFewCalls: sessions past their retention that TTL
// has not deleted yet (it runs days late) are filtered out by the index
// query, but DynamoDB's Limit counts the items it reads before the filter:
// with the page size as the Limit, 400 purged sessions ahead of one live
// one took ~200 Query calls for a page of one. The Query's Limit no longer
// follows the page size.
func TestListSkipsThePurgedInFewCalls(t *testing.T) {
	for _, shards := range []int{1, store.DefaultListShards} {
		t.Run(fmt.Sprintf("LIST_SHARDS=%d", shards), func(t *testing.T) {
			f := newListFixture(t, store.ListShards(shards))
			dead := sessions("m-1", t0, 400, true)
			live := sessions("m-1", t0.Add(50*time.Minute), 1, false)
			if err := f.st.ImportAll(context.Background(), append(dead, live...)); err != nil {
				t.Fatal(err)
			}
			f.clock.Set(t0.Add(51 * time.Minute)) // every dead one is past its retention, however it is counted
			for _, limit := range []int{1, 0} {
				f.calls.Take()
				got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit})
				queries := f.count("Query")
				t.Logf("limit %d: %d Query calls", limit, queries)
				if !slices.Equal(got, []string{live[0].ID}) || next != "" {
					t.Errorf("limit %d: listed %v, next %q; want only %s and no next", limit, got, next, live[0].ID)
				}
				// One Query per partition, a second where the first read
				// only purged ones.
				if queries > 2*shards {
					t.Errorf("limit %d: %d Query calls to pass 400 purged sessions in %d partitions; want at most %d", limit, queries, shards, 2*shards)
				}
			}
		})
	}
}

// TestListTimeBudget: a listing reads DynamoDB for at most its budget (here
// none: one round each). A whole day that needs more rounds returns a
// cursor (the handler then refuses it as too large); pages end early, some
// empty while they pass purged sessions, but each resumes further on, and
// following the cursors lists every session once, in order.
func TestListTimeBudget(t *testing.T) {
	f := newListFixture(t, store.ListBudget(time.Nanosecond))
	// ~125 purged sessions per partition: more than a page's first Query
	// reads of each.
	dead := sessions("m-1", t0, 2000, true)
	live := sessions("m-1", t0.Add(50*time.Minute), 900, false)
	if err := f.st.ImportAll(context.Background(), append(dead, live...)); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(51 * time.Minute))
	var want []string
	for _, v := range live {
		want = append(want, v.ID)
	}

	if got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0}); next == "" || len(got) >= len(want) {
		t.Errorf("whole day in one round: %d listed, next %q; want part of it and a cursor", len(got), next)
	}
	var got []string
	pages, empty := 0, 0
	for cursor := ""; ; pages++ {
		if pages > 200 {
			t.Fatalf("no end after %d pages", pages)
		}
		page, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 1000, Cursor: cursor})
		if len(page) == 0 {
			empty++
		}
		got = append(got, page...)
		if next == "" {
			break
		}
		if next == cursor {
			t.Fatalf("page %d: the cursor did not move", pages)
		}
		cursor = next
	}
	t.Logf("%d pages, %d of them empty", pages+1, empty)
	if !slices.Equal(got, want) {
		t.Errorf("pages listed %d sessions; want the %d live ones, once each, in order", len(got), len(want))
	}
	if empty == 0 || pages < 3 {
		t.Errorf("%d pages, %d empty; want pages cut short by the budget", pages+1, empty)
	}
}

// TestListBudgetSpentAfterTheLastSession: a listing whose time budget runs
// out only after it has read and listed the whole day (here: one round,
// with no budget at all) is complete, and says so: no cursor. With one, the
// handler refused a whole day it had read in full as too large (400
// LIST_TOO_LARGE), and a page that held the day's last session pointed to
// an empty next page.
func TestListBudgetSpentAfterTheLastSession(t *testing.T) {
	f := newListFixture(t, store.ListBudget(time.Nanosecond))
	vs := sessions("m-1", t0, 5, false)
	if err := f.st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range vs {
		want = append(want, v.ID)
	}
	for _, limit := range []int{0, 5, 10} {
		got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit})
		if !slices.Equal(got, want) || next != "" {
			t.Errorf("limit %d: %d listed, next %q; want all %d and no next", limit, len(got), next, len(want))
		}
	}
}

// TestListUnprocessedKeys: keys a BatchGetItem leaves unprocessed (DynamoDB
// does, under load) are read again after a backoff; when they stay
// unprocessed the listing fails as unavailable (503), never short.
func TestListUnprocessedKeys(t *testing.T) {
	var mode atomic.Int32 // 1: leave half the keys of every first call; 2: leave all, always
	var batches atomic.Int64
	var sentKeys, leftKeys atomic.Int64 // in mode 1
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "BatchGetItem" || mode.Load() == 0 {
			return res
		}
		n := batches.Add(1)
		var out struct {
			Responses       map[string][]map[string]any
			UnprocessedKeys map[string]map[string]any
		}
		var in struct {
			RequestItems map[string]map[string]any
		}
		if json.Unmarshal(res, &out) != nil || json.Unmarshal(req, &in) != nil {
			return res
		}
		for _, ka := range in.RequestItems {
			keys, _ := ka["Keys"].([]any)
			sentKeys.Add(int64(len(keys)))
		}
		for table, items := range out.Responses {
			keep := len(items) / 2
			if mode.Load() == 2 {
				keep = 0
			} else if n%2 == 0 {
				continue
			}
			var left []map[string]any
			for _, it := range items[keep:] {
				id, _ := it["id"].(map[string]any)["S"].(string)
				left = append(left, map[string]any{"pk": map[string]any{"S": "SESSION#" + id}, "sk": map[string]any{"S": "SESSION"}})
			}
			out.Responses[table] = items[:keep]
			leftKeys.Add(int64(len(left)))
			ka := in.RequestItems[table]
			ka["Keys"] = left
			out.UnprocessedKeys = map[string]map[string]any{table: ka}
		}
		b, _ := json.Marshal(out)
		return b
	}}
	calls := &storetest.CallCounter{}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}, APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now)
	live := sessions("m-1", t0, 250, false)
	if err := st.ImportAll(context.Background(), live); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range live {
		want = append(want, v.ID)
	}
	list := func() ([]string, error) {
		var ids []string
		_, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
			ids = append(ids, v.ID)
			return true
		})
		return ids, err
	}

	mode.Store(1)
	calls.Take()
	got, err := list()
	gets := 0
	for _, c := range calls.Take() {
		if c == "BatchGetItem" {
			gets++
		}
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("with unprocessed keys: %d listed, %v; want all %d in order", len(got), err, len(want))
	}
	if gets != 6 {
		t.Errorf("%d BatchGetItem calls for 3 batches each leaving half its keys once; want 6", gets)
	}
	// A retry asks again for the keys left unprocessed, no more: the
	// processed ones are read (and paid for) once.
	if got, want := sentKeys.Load(), int64(len(live))+leftKeys.Load(); got != want {
		t.Errorf("%d keys sent in all BatchGetItems; want %d (each session once, each unprocessed key once more)", got, want)
	}

	mode.Store(2)
	if got, err := list(); session.ErrorCode(err) != session.EUNAVAILABLE || len(got) != 0 {
		t.Errorf("with keys always unprocessed: %d listed, %v; want none and %s", len(got), err, session.EUNAVAILABLE)
	}
}

// TestListIndexAttributes: a session is in the sharded list index under
// <merchantId>#<day>#<shard> (the shard from a hash of its id, below
// LIST_SHARDS), and its listUntil is its purge instant as created
// (expiresAt + retention) until a change moves the purge instant later: a
// status change earlier than that leaves the index entry as it is.
// docs/design.md §8: "a status change moves it only when it comes after
// `expiresAt`, such as a settlement of an `AUTHORISED` session" (it once
// said a status change never moves it, beside the README's own word that a
// late settlement does).
func TestListIndexAttributes(t *testing.T) {
	f := newListFixture(t, store.ListShards(8))
	str := func(id, attr string) string {
		t.Helper()
		v, _ := f.raw(t, id)[attr].(*ddb.AttributeValueMemberS)
		if v == nil {
			t.Fatalf("%s has no %s", id, attr)
		}
		return v.Value
	}
	shards := map[string]bool{}
	var last *session.Session
	for i := 0; i < 40; i++ {
		last = f.create(t, "m-1")
		shards[str(last.ID, "merchantDayShard")] = true
	}
	for s := range shards {
		n, err := strconv.Atoi(strings.TrimPrefix(s, "m-1#2026-11-23#"))
		if !strings.HasPrefix(s, "m-1#2026-11-23#") || err != nil || n < 0 || n >= 8 {
			t.Errorf("merchantDayShard %q; want m-1#2026-11-23#<0..7>", s)
		}
	}
	if len(shards) < 6 {
		t.Errorf("40 sessions in %d of 8 shards; want them spread", len(shards))
	}
	if got := str(last.ID, "merchantDayShard"); str(last.ID, "merchantDayShard") != got {
		t.Errorf("the shard of a session moved")
	}

	id := last.ID
	created := "2026-11-23T10:45:00.0000000Z" // expiresAt + retention
	if got := str(id, "listUntil"); got != created {
		t.Errorf("listUntil of an open session = %s; want %s", got, created)
	}
	apply := func(at time.Duration, st session.Status) {
		t.Helper()
		f.clock.Set(t0.Add(at))
		if _, err := f.st.Update(context.Background(), id, func(v *session.Session, now time.Time) (bool, error) {
			return v.Apply(&session.Event{Status: st}, now, session.DefaultPolicy)
		}); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	apply(29*time.Minute, session.Authorised) // purge at 10:44: earlier
	if got := str(id, "listUntil"); got != created {
		t.Errorf("listUntil once authorised = %s; want %s unchanged", got, created)
	}
	apply(35*time.Minute, session.Settled) // purge at 10:50: later
	if got, want := str(id, "listUntil"), "2026-11-23T10:50:00.0000000Z"; got != want {
		t.Errorf("listUntil once settled after expiresAt = %s; want %s", got, want)
	}
}

// TestListRetriedKeysStayConsistent: issue 15 asks the list to read "the
// sessions from the table with a consistent BatchGetItem (handle
// unprocessed keys)". DynamoDB's UnprocessedKeys is documented as "in the
// same form as RequestItems", and each element's ConsistentRead and
// ProjectionExpression as optional: an answer that leaves keys with their
// Keys alone (as DynamoDB may write it) must not turn the retry into an
// eventually consistent read of whole items, which could list a session as
// it was before a change a single read already shows. Every BatchGetItem
// the list sends, retries included, is consistent and projected.
func TestListRetriedKeysStayConsistent(t *testing.T) {
	type sent struct {
		RequestItems map[string]struct {
			Keys                     []map[string]any
			ConsistentRead           *bool
			ProjectionExpression     string
			ExpressionAttributeNames map[string]string
		}
	}
	var (
		calls atomic.Int64
		bad   atomic.Value // string: the first request that was not consistent and projected
	)
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "BatchGetItem" {
			return res
		}
		var in sent
		if err := json.Unmarshal(req, &in); err != nil {
			bad.CompareAndSwap(nil, "unreadable request: "+err.Error())
			return res
		}
		for _, ka := range in.RequestItems {
			if ka.ConsistentRead == nil || !*ka.ConsistentRead || ka.ProjectionExpression == "" || len(ka.ExpressionAttributeNames) == 0 {
				bad.CompareAndSwap(nil, string(req))
			}
		}
		if calls.Add(1)%2 == 0 {
			return res // every other call is answered whole
		}
		var out struct {
			Responses       map[string][]map[string]any
			UnprocessedKeys map[string]map[string]any
		}
		if json.Unmarshal(res, &out) != nil {
			return res
		}
		for table, items := range out.Responses {
			keep := len(items) / 2
			var left []map[string]any
			for _, it := range items[keep:] {
				id, _ := it["id"].(map[string]any)["S"].(string)
				left = append(left, map[string]any{"pk": map[string]any{"S": "SESSION#" + id}, "sk": map[string]any{"S": "SESSION"}})
			}
			out.Responses[table] = items[:keep]
			out.UnprocessedKeys = map[string]map[string]any{table: {"Keys": left}} // Keys alone
		}
		b, _ := json.Marshal(out)
		return b
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListBudget(time.Hour))
	live := sessions("m-1", t0, 150, false)
	if err := st.ImportAll(context.Background(), live); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, v := range live {
		want = append(want, v.ID)
	}
	_, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
		got = append(got, v.ID)
		return true
	})
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("listed %d, %v; want all %d in order", len(got), err, len(want))
	}
	if calls.Load() < 3 {
		t.Errorf("%d BatchGetItem calls; want retries of unprocessed keys", calls.Load())
	}
	if b := bad.Load(); b != nil {
		t.Errorf("a BatchGetItem was sent without ConsistentRead and the list's projection: %.300s", b)
	}
}

// TestListPageReadsOneBatchGetItem holds README's round-trip count, "per
// list page one `Query` of each list-index partition and one
// `BatchGetItem`": a page of 10 of a day of 250 live sessions reads the
// 11 sessions it needs (the page and one more, for its Link) in one
// BatchGetItem, not as many of the day's sessions as a round can read.
func TestListPageReadsOneBatchGetItem(t *testing.T) {
	f := newListFixture(t)
	if err := f.st.ImportAll(context.Background(), sessions("m-1", t0, 250, false)); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(time.Minute))
	f.calls.Take()
	got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 10})
	queries, batches := 0, 0
	for _, c := range f.calls.Take() {
		switch c {
		case "Query":
			queries++
		case "BatchGetItem":
			batches++
		}
	}
	if len(got) != 10 || next == "" || queries != store.DefaultListShards || batches != 1 {
		t.Errorf("a page of %d (cursor %v) in %d Query and %d BatchGetItem calls; want 10, a cursor, %d and 1", len(got), next != "", queries, batches, store.DefaultListShards)
	}
}
