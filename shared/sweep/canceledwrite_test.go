package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepCutOffAtAWriteStartsNoFurtherCall: README, "A write cut off at
// the run's deadline, or when the local server stops (Ctrl-C, SIGTERM)
// mid-run, is not read back (the run has no time left): it is counted
// deferred", and QueriesCutOff counts "the shards whose query was still
// unanswered when the run's deadline cut it off" (Result). A run whose
// write was cut off has stopped: it starts no further call, so the next
// shard's query is not sent only to be cut off and counted, and that shard
// is left waiting for the next run's first turn. One shard at a time, one
// write at a time; the run is canceled (the local server stopping) while
// its first write is in flight. A run that went on after the cut write
// (r94-mutate: not marking itself stopped) passed every test.
func TestSweepCutOffAtAWriteStartsNoFurtherCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var queries, queriesAfter atomic.Int64
	var canceled atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		switch op {
		case "Query":
			queries.Add(1)
			if canceled.Load() {
				queriesAfter.Add(1)
			}
		case "UpdateItem":
			if canceled.CompareAndSwap(false, true) {
				cancel()
			}
			<-req.Context().Done()
			return nil, req.Context().Err()
		}
		return nil, nil
	}}
	f := newFixture(t)
	const perShard = 2
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
	f.backlog(t, st, perShard)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce, sw.Workers = 1, 1
	r := sw.Run(ctx)
	if !canceled.Load() {
		t.Fatalf("Run() = %+v sent no write: the test tests nothing", r)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"queries cut off", r.QueriesCutOff, 0},
		{"queries sent after the cut", queriesAfter.Load(), int64(0)},
		{"queries", queries.Load(), int64(1)},
		{"found", r.Found, perShard},
		{"deferred", r.Deferred, perShard},
		{"complete", r.Complete, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Run() = %+v: %s got %v; want %v", r, c.what, c.got, c.want)
		}
	}
}
