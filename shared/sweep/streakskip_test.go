package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepStormCountsAnAnsweredWriteAsAnswered: a write DynamoDB refused
// for its condition was answered by DynamoDB, so it starts the failures in
// a row again, as a landed write does (sweep.go's landed: "or that
// DynamoDB answered (skipped: its condition failed): the failures in a row
// start again from zero"; Run: "once FailuresToStop calls in a row have
// failed unavailable ..."). Every fourth write here is refused so, the
// others fail 500: never 8 failures in a row, so the run never backs off.
// The refusal is either someone else's close (skipped) or the end the
// session's item was written with, earlier than the sweeper's retention
// gives (a RESULT_RETENTION raised since: store.ErrPastWrittenPurge, left
// to purge); the second backed off when its ErrNearPurge was taken for one
// no write was sent for (r90-review).
func TestSweepStormCountsAnAnsweredWriteAsAnswered(t *testing.T) {
	const n = 20
	tests := []struct {
		name     string
		written  bool // the items' purgeAt already past: DynamoDB Local refuses the write
		answered func(sweep.Result) int
	}{
		{"someone else closed it", false, func(r sweep.Result) int { return r.Skipped }},
		{"written with an earlier end", true, func(r sweep.Result) int { return r.LeftToPurge }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			vs := sessions(n, t0.Add(-5*time.Minute-policy.Expiry))
			if tt.written {
				for _, v := range vs {
					v.PurgeBy = t0.Add(-time.Minute) // written under a shorter retention
				}
			}
			var writes atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" {
					return nil, nil
				}
				if writes.Add(1)%4 == 0 {
					if tt.written {
						return nil, nil // to DynamoDB Local, which refuses it for the item's purgeAt
					}
					return storetest.ErrorResponse(req, http.StatusBadRequest, "ConditionalCheckFailedException", "The conditional request failed"), nil
				}
				return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
			}}
			r := f.oneShardSweeper(t, ic, vs).Run(context.Background())
			if got := tt.answered(r); r.BackedOff || got != n/4 || r.Errors != n-n/4 {
				t.Errorf("Run() = %+v: got backed off %v, %d answered, %d errors; want false, %d, %d", r, r.BackedOff, got, r.Errors, n/4, n-n/4)
			}
		})
	}
}
