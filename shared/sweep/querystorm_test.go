package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepBacksOffAfterQueriesFailInARow: README, "once 8 calls in a row
// (writes or queries, with no write landing, or answered by DynamoDB, in
// between) have failed with a 5xx ... the run stops as after a throttled
// write (`BackedOff: true`, the rest deferred). Only the run's first 10
// failed calls get an ERROR line each". The storm tests fail writes; the
// fault tests fail every query but accept a run that counted its failed
// queries without backing off, so a query failure that did not count
// towards the streak (logged and counted, never stopping the run, one
// ERROR line per shard however many) passed every test (r94-mutate). Here
// one shard at a time, so the calls are in a row: 16 shards' queries all
// answer 500; the run stops after the 8th.
func TestSweepBacksOffAfterQueriesFailInARow(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"InternalServerError", http.StatusInternalServerError, "InternalServerError"},
		{"ServiceUnavailable", http.StatusServiceUnavailable, "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "Query" {
					return nil, nil
				}
				return storetest.ErrorResponse(req, tt.status, tt.code, "failed"), nil
			}}
			f := newFixture(t)
			const shards = 16
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, shards, f.clock.Now)
			f.importAll(t, sessions(4, t0.Add(-31*time.Minute)))
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			sw.ShardsAtOnce = 1
			r := sw.Run(context.Background())
			if !r.BackedOff || r.Complete {
				t.Errorf("Run() = %+v: backed off %v, complete %v; want backed off, incomplete", r, r.BackedOff, r.Complete)
			}
			if r.QueryErrors != sweep.FailuresToStop {
				t.Errorf("Run() = %+v: failed queries got %d; want %d (the run stops at the %dth in a row)", r, r.QueryErrors, sweep.FailuresToStop, sweep.FailuresToStop)
			}
			levels, _ := logLevels(t, f.logs.String())
			if levels["ERROR"] > sweep.ErrorLines {
				t.Errorf("ERROR lines got %d; want at most %d:\n%s", levels["ERROR"], sweep.ErrorLines, f.logs)
			}
		})
	}
}
