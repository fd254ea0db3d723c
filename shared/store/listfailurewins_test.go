package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListFailureWinsOverABudgetWait: list.go's batchGet, "A failure wins
// over the budget" (README: a failed read is "never a short page"): in a
// round after the first, one BatchGetItem refused by DynamoDB beside
// another whose retry of keys left unprocessed would wait past the budget
// (errListBudget) is the refusal's error, not the budget's page end. The
// budget's clock is the test's. r91-mutate's mutant L33 (the budget
// checked first) answered a page with a Link for a refused read, and every
// test passed.
func TestListFailureWinsOverABudgetWait(t *testing.T) {
	const budget = 10 * time.Second
	var mu sync.Mutex
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	wall := start
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
	var waited atomic.Bool
	wait := func(context.Context, time.Duration) error {
		if !waited.Swap(true) {
			mu.Lock()
			wall = start.Add(budget - 10*time.Millisecond) // the next wait's ceiling ends past the budget
			mu.Unlock()
		}
		return nil
	}
	var second, refused, unprocessed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != "BatchGetItem" || !second.Load() {
			return nil, nil
		}
		var in struct {
			RequestItems map[string]struct{ Keys []any }
		}
		if json.Unmarshal(body, &in) != nil {
			return nil, nil
		}
		for table, ka := range in.RequestItems {
			if len(ka.Keys) == 1 {
				refused.Store(true)
				return storetest.ErrorResponse(req, http.StatusBadRequest, "ValidationException", "refused (injected)"), nil
			}
			unprocessed.Store(true)
			b, _ := json.Marshal(map[string]any{"Responses": map[string]any{table: []any{}},
				"UnprocessedKeys": map[string]any{table: map[string]any{"Keys": ka.Keys, "ConsistentRead": true}}})
			return storetest.Success(req, b), nil
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListShards(1), store.ListBudget(budget), store.ListClock(now, wait))
	// The first round reads 400; the second 101: two BatchGetItems, of 100
	// keys (left unprocessed) and of 1 (refused).
	if err := st.ImportAll(context.Background(), sessions("m-1", t0, 501, false)); err != nil {
		t.Fatal(err)
	}
	listed := 0
	next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(*session.Session) bool {
		mu.Lock()
		wall = start.Add(budget - 5*time.Second)
		mu.Unlock()
		second.Store(true)
		listed++
		return true
	})
	if !refused.Load() || !unprocessed.Load() || !waited.Load() {
		t.Fatalf("refused %v, unprocessed %v, waited %v: the second round was not as the test means it", refused.Load(), unprocessed.Load(), waited.Load())
	}
	if err == nil || session.ErrorCode(err) != session.EINTERNAL {
		t.Errorf("a round with a refused BatchGetItem beside a budget wait = %d listed, next %q, %v (code %q); want the refusal (%q), not a page", listed, next, err, session.ErrorCode(err), session.EINTERNAL)
	}
}
