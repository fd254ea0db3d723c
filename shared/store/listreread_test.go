package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListReadsAStraddledSessionAgainOnce: a session whose expiry passes
// while the list's BatchGetItem reads it is read again, once (list.go's
// batchGetJudged: "Each session read again begins past the instant it
// straddled, so it straddles again only at its next one"), and judged by
// that read: a session the re-read no longer finds is skipped (ListByDay:
// "An index entry whose session is gone from the table is skipped"). The
// store's clock passes the session's expiry as the first BatchGetItem
// answers. r91-mutate's mutants L23 (a re-read not counted as the
// session's read: read again until the bound, three BatchGetItems) and L24
// (a session the re-read missed kept from the first read, and listed)
// survived every test.
func TestListReadsAStraddledSessionAgainOnce(t *testing.T) {
	for _, gone := range []bool{false, true} {
		var listing atomic.Bool
		var calls atomic.Int32
		clock := storetest.NewClock(t0)
		v := sessions("m-1", t0, 1, false)[0]
		rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
			if op != "BatchGetItem" || !listing.Load() {
				return res
			}
			switch calls.Add(1) {
			case 1:
				clock.Set(v.ExpiresAt.Add(time.Millisecond)) // the read straddled the expiry
			case 2:
				if gone {
					var in struct{ RequestItems map[string]any }
					_ = json.Unmarshal(req, &in)
					out := map[string]any{}
					for table := range in.RequestItems {
						out[table] = []any{}
					}
					b, _ := json.Marshal(map[string]any{"Responses": out, "UnprocessedKeys": map[string]any{}})
					return b
				}
			}
			return res
		}}
		db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
		table := storetest.NewTable(t, db)
		st := store.New(db, table, session.DefaultPolicy, 16, clock.Now)
		if err := st.ImportAll(context.Background(), []*session.Session{v}); err != nil {
			t.Fatal(err)
		}
		clock.Set(v.ExpiresAt.Add(-time.Millisecond))
		listing.Store(true)
		var got []*session.Session
		next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(s *session.Session) bool {
			got = append(got, s)
			return true
		})
		listing.Store(false)
		if err != nil || next != "" {
			t.Fatalf("gone %v: ListByDay = next %q, %v", gone, next, err)
		}
		if n := calls.Load(); n != 2 {
			t.Errorf("gone %v: %d BatchGetItems; want 2 (the read, and one re-read of the straddled session)", gone, n)
		}
		switch {
		case gone && len(got) != 0:
			t.Errorf("a session the re-read did not find was listed (%s); want it skipped", got[0].Status)
		case !gone && (len(got) != 1 || got[0].Status != session.Expired):
			t.Errorf("listed %d; want the session, EXPIRED", len(got))
		}
	}
}

// TestListTakesAnEmptyUnprocessedKeysAsNone: a BatchGetItem answer whose
// UnprocessedKeys names the table with no keys left has processed every
// key: the list reads on, and asks nothing again (a BatchGetItem of no
// keys is DynamoDB's ValidationException). r91-mutate's mutant L27 (only
// an absent entry read as none left) survived every test.
func TestListTakesAnEmptyUnprocessedKeysAsNone(t *testing.T) {
	var calls atomic.Int32
	rw := &storetest.RewriteTransport{Rewrite: func(op string, req, res []byte) []byte {
		if op != "BatchGetItem" {
			return res
		}
		calls.Add(1)
		var out map[string]any
		if json.Unmarshal(res, &out) != nil {
			return res
		}
		left := map[string]any{}
		if rs, ok := out["Responses"].(map[string]any); ok {
			for table := range rs {
				left[table] = map[string]any{"Keys": []any{}, "ConsistentRead": true}
			}
		}
		out["UnprocessedKeys"] = left
		b, _ := json.Marshal(out)
		return b
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now)
	vs := sessions("m-1", t0, 3, false)
	if err := st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	calls.Store(0)
	n := 0
	next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(*session.Session) bool { n++; return true })
	if err != nil || n != len(vs) || next != "" || calls.Load() != 1 {
		t.Errorf("ListByDay with an empty UnprocessedKeys entry = %d listed, next %q, %v (code %q), %d BatchGetItems; want all %d, complete, one call", n, next, err, session.ErrorCode(err), calls.Load(), len(vs))
	}
}
