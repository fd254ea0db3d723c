package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepReturnsBeforeItsDeadline: docs/design.md §4, "a sweep stops
// starting writes shortly before its deadline and the next run finishes the
// work". A Lambda that has not returned by its
// deadline is killed: the run's summary line (its metrics) is lost and the
// invocation counts as failed. A write the run started just before it
// stopped starting writes may hang (DynamoDB slow, a connection dead); it
// must be cut off in time for the run to return, and report, before the
// deadline, even when the store's write deadline (WriteTimeout, 4 s with the
// default 5 s guard band) is longer than the sweeper's margin (3 s).
func TestSweepReturnsBeforeItsDeadline(t *testing.T) {
	t.Parallel() // its rows wait out real deadlines on tables of their own: the whole test with the other waiting ones, not before them
	tests := []struct {
		name   string
		margin time.Duration
		within time.Duration // the run's deadline
	}{
		// The run's time is just over four margins: a run keeps a
		// quarter of a shorter time (Run's stopAt), not its margin. The
		// test waits it out (the query is held), so no longer.
		{"default margin, write started 4 s before the deadline", sweep.DefaultMargin, 4*sweep.DefaultMargin + 500*time.Millisecond},
		{"1 s margin, write started 2 s before the deadline", time.Second, 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits for its deadline, on its own table
			f := newFixture(t)
			f.importAll(t, sessions(1, t0.Add(-31*time.Minute)))
			ctx, cancel := context.WithTimeout(context.Background(), tt.within)
			defer cancel()
			deadline, _ := ctx.Deadline()
			var written atomic.Bool
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				switch {
				case op == "Query":
					// The index answers late: the write starts a second
					// before the run stops starting writes (a second, not
					// less, for a busy machine).
					select {
					case <-time.After(time.Until(deadline.Add(-tt.margin - time.Second))):
					case <-req.Context().Done():
						return nil, req.Context().Err()
					}
				case op == "UpdateItem":
					written.Store(true)
					<-req.Context().Done() // DynamoDB never answers
					return nil, req.Context().Err()
				}
				return nil, nil
			}}
			// The default guard band, as in production: WriteTimeout 4 s.
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, session.DefaultPolicy, 16, f.clock.Now)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			sw.Margin = tt.margin
			r := sw.Run(ctx)
			returned := time.Now()
			if !written.Load() {
				t.Fatalf("Run() = %+v; the test's write never started", r)
			}
			if !returned.Before(deadline) {
				t.Errorf("Run() returned %v after its deadline; want before it", returned.Sub(deadline))
			}
			if r.Complete || r.Expired != 0 {
				t.Errorf("Run() = %+v; want an incomplete run (the write was cut off)", r)
			}
			if !strings.Contains(f.logs.String(), `"msg":"sweep"`) {
				t.Errorf("no summary line:\n%s", f.logs)
			}
		})
	}
}
