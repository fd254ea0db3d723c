package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepCutByItsDeadlineLeavesNothingRunning: the sweeper Lambda's
// container is frozen once its handler returns, and whatever is still
// running then resumes inside the next run. A run cut by its deadline with
// writes hanging on every worker of every shard returns with none of them
// still under way.
func TestSweepCutByItsDeadlineLeavesNothingRunning(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	f := newFixture(t)
	f.importAll(t, sessions(40, t0.Add(-31*time.Minute)))
	var inFlight, started, late atomic.Int64
	var returned atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		inFlight.Add(1)
		defer func() {
			if returned.Load() {
				late.Add(1)
			}
			inFlight.Add(-1)
		}()
		if op == "UpdateItem" {
			started.Add(1)
			<-req.Context().Done() // DynamoDB never answers
			return nil, req.Context().Err()
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, session.DefaultPolicy, 16, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, _ := sw.Handle(ctx, nil)
	returned.Store(true)
	for end := time.Now().Add(10 * time.Second); inFlight.Load() != 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n, l := inFlight.Load(), late.Load(); n != 0 || l != 0 {
		t.Errorf("DynamoDB calls that ended after the run returned: got %d (%d never); want 0", l+n, n)
	}
	if started.Load() == 0 || r.Complete || r.Expired != 0 {
		t.Errorf("Run() = %+v with %d writes started; want writes started and cut off", r, started.Load())
	}
}
