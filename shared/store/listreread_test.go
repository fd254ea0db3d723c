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
