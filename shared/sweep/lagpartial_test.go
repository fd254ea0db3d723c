package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepOwesTheNewestReadOfAShardNotReadToItsEnd: a run that expired
// every session of a shard's first page, and whose query of the next page
// was throttled, left nothing but did not read the shard to its end; the
// pages it did not read hold no session older than the newest it read
// (README, "Its lag"). The next run, its query throttled a minute later,
// reports the age of that newest session: not the oldest one (expired),
// nor the run's start less WRITE_GUARD (the shard was not swept to it).
func TestSweepOwesTheNewestReadOfAShardNotReadToItsEnd(t *testing.T) {
	tests := []struct {
		name    string
		ago     []time.Duration // the sessions' expiry before t0, oldest first
		wantLag time.Duration   // the throttled run's, a minute later
	}{
		{"pages of two, the second throttled", []time.Duration{10 * time.Minute, 9 * time.Minute, 5 * time.Minute, 4 * time.Minute}, 10 * time.Minute},
		{"the newest read is the oldest unread", []time.Duration{10 * time.Minute, 7 * time.Minute, 7 * time.Minute, 2 * time.Minute}, 8 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var vs []*session.Session
			for _, ago := range tt.ago {
				vs = append(vs, sessions(1, t0.Add(-ago-policy.Expiry))...)
			}
			var queries atomic.Int64
			var throttleAll atomic.Bool
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op == "Query" && (queries.Add(1) > 1 || throttleAll.Load()) {
					return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, vs)
			sw.PageSize = 2
			if r := sw.Run(context.Background()); r.Expired != 2 || r.Deferred != 0 || r.Errors != 0 || !r.BackedOff {
				t.Fatalf("first run: Run() = %+v; want 2 expired, nothing left, backed off", r)
			}
			ms, percent := lagOf(t, f.logs)
			wantLag(t, "first run", ms, percent, tt.ago[0])

			throttleAll.Store(true)
			f.clock.Set(t0.Add(time.Minute))
			if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
				t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
			}
			ms, percent = lagOf(t, f.logs)
			wantLag(t, "throttled query", ms, percent, tt.wantLag)
		})
	}
}
