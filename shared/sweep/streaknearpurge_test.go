package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepStormCountsAWriteRefusedForItsWrittenEndAsAnswered: a write
// DynamoDB refused because the session's item was written with an earlier
// end than the sweeper's retention gives (store.ErrNearPurge after the
// write: a RESULT_RETENTION raised since) was answered by DynamoDB, as a
// write refused because someone else closed the session was, so it starts
// the failures in a row again (landed: "or that DynamoDB answered (skipped:
// its condition failed)"). Every fourth write here reaches DynamoDB Local
// and is refused so; the others fail 500: never 8 failures in a row, so
// the run never backs off. It backed off: that ErrNearPurge was taken for
// one no write was sent for.
func TestSweepStormCountsAWriteRefusedForItsWrittenEndAsAnswered(t *testing.T) {
	const n = 20
	f := newFixture(t)
	vs := sessions(n, t0.Add(-5*time.Minute-policy.Expiry))
	for _, v := range vs {
		v.PurgeBy = t0.Add(-time.Minute) // written under a shorter retention
	}
	var writes atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "UpdateItem" || writes.Add(1)%4 == 0 {
			return nil, nil
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
	}}
	r := f.oneShardSweeper(t, ic, vs).Run(context.Background())
	if r.BackedOff || r.LeftToPurge != n/4 || r.Errors != n-n/4 {
		t.Errorf("Run() = %+v: got backed off %v, %d left to purge, %d errors; want false, %d, %d", r, r.BackedOff, r.LeftToPurge, r.Errors, n/4, n-n/4)
	}
}
