package sweep_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepQueryCutOffAtItsDeadlineIsIncomplete: README, "The expiry
// sweeper": "It stops starting writes (and queries) shortly before its
// deadline and the next run continues." A run whose only query was still
// unanswered when the run's time ran out read nothing of its shard: it
// stopped, so it is not Complete (its summary must not claim the shard was
// swept). Whether the query started before or after the run's stop, the
// answer is the same, so the test holds however slow the machine is.
func TestSweepQueryCutOffAtItsDeadlineIsIncomplete(t *testing.T) {
	for _, name := range []string{"a query that never answers"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op == "Query" {
					<-req.Context().Done() // held until the run cuts it off
					return nil, req.Context().Err()
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, sessions(1, t0.Add(-31*time.Minute)))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			r := sw.Run(ctx)
			if r.Complete || r.Expired != 0 || r.Errors != 0 {
				t.Errorf("Run() = %+v; want incomplete, nothing expired, no error", r)
			}
		})
	}
}
