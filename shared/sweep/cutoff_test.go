package sweep_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepCountsAWriteCutOffAtItsDeadlineDeferred: README, "The expiry
// sweeper": "A write cut off at the run's deadline is not read back (the
// run has no time left): it is counted deferred, whether or not it landed,
// and the next run expires the session, no longer finds it, or ... finds
// it and counts it skipped" (the last: latecutoff_test.go). A write
// that DynamoDB applied but whose answer came after the run's cut-off is
// one session of SessionsDeferred, not of SessionsExpired, and the next run
// does not find it again: summed over runs, SessionsExpired can fall short
// of the sessions the sweeper expired (make run with SWEEP_INTERVAL=2s and
// a backlog of 6,000: 172 of them).
func TestSweepCountsAWriteCutOffAtItsDeadlineDeferred(t *testing.T) {
	t.Parallel() // its rows wait out real deadlines on tables of their own: the whole test with the other waiting ones, not before them
	tests := []struct {
		name      string
		land      bool // DynamoDB applies the write before its answer is held
		nextFinds int  // sessions the next run finds
	}{
		{"the write landed, its answer held past the cut-off", true, 0},
		{"the write held on its way, never sent", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits for its deadline, on its own table
			f := newFixture(t)
			vs := sessions(1, t0.Add(-31*time.Minute))
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" {
					return nil, nil
				}
				if tt.land {
					if status, err := storetest.Apply(req); err != nil || status != http.StatusOK {
						t.Errorf("the write: status %d, %v; want 200", status, err)
					}
				}
				<-req.Context().Done() // the answer never comes in time
				return nil, req.Context().Err()
			}}
			sw := f.oneShardSweeper(t, ic, vs)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			r := sw.Run(ctx)
			if r.Found != 1 || r.Expired != 0 || r.Deferred != 1 || r.Errors != 0 || r.Complete {
				t.Errorf("Run() = %+v; want found 1, expired 0, deferred 1, no error, incomplete", r)
			}
			next := f.sw.Run(context.Background())
			if next.Found != tt.nextFinds || next.Expired != tt.nextFinds || !next.Complete {
				t.Errorf("next Run() = %+v; want found and expired %d, complete", next, tt.nextFinds)
			}
			if got := f.statuses(t)[vs[0].ID].Status; got != session.Expired {
				t.Errorf("stored status %v; want %v", got, session.Expired)
			}
		})
	}
}
