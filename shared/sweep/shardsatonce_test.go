package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepQueriesShardsAtOnce: "Run sweeps every shard, ShardsAtOnce at a
// time" (sweep.go): a run's first ShardsAtOnce shards are queried at the
// same time, not one after the other. The index holds its first Queries
// until ShardsAtOnce of them are in flight (2 s at most). r91-mutate's
// mutant S36 (one shard at a time) passed every test.
func TestSweepQueriesShardsAtOnce(t *testing.T) {
	const atOnce = 4
	f := newFixture(t)
	ic, most := heldUntilAtOnce(t, "Query", atOnce)
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce = atOnce
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := sw.Run(ctx)
	if got := most(); got != atOnce || !r.Complete {
		t.Errorf("Run() = %+v with at most %d Queries in flight; want %d at once, complete", r, got, atOnce)
	}
}

// heldUntilAtOnce is an interceptor that holds each call of op until n of
// them are in flight (2 s at most, from the test's start: a run that never
// gets there goes on after it), and a reading of the most that were in
// flight at once.
func heldUntilAtOnce(t *testing.T, op string, n int) (*storetest.Interceptor, func() int) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	all := make(chan struct{})
	held, release := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(release)
	ic := &storetest.Interceptor{Hook: func(got string, req *http.Request, _ []byte) (*http.Response, error) {
		if got != op {
			return nil, nil
		}
		mu.Lock()
		inFlight++
		if most = max(most, inFlight); most == n && inFlight == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-held.Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil, nil
	}}
	return ic, func() int {
		mu.Lock()
		defer mu.Unlock()
		return most
	}
}
