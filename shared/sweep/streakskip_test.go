package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepStormCountsAConditionFailedWriteAsAnswered: a write whose
// condition DynamoDB refused (someone else closed the session: skipped)
// was answered by DynamoDB, so it starts the failures in a row again, as
// a landed write does (sweep.go's landed: "or that DynamoDB answered
// (skipped: its condition failed): the failures in a row start again from
// zero"; Run: "once FailuresToStop calls in a row have failed
// unavailable ..."). Every fourth write here is refused for its condition,
// the others fail 500: never 8 failures in a row, so the run never backs
// off.
func TestSweepStormCountsAConditionFailedWriteAsAnswered(t *testing.T) {
	const n = 20
	f := newFixture(t)
	vs := sessions(n, t0.Add(-5*time.Minute-policy.Expiry))
	var writes atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "UpdateItem" {
			return nil, nil
		}
		if writes.Add(1)%4 == 0 {
			return storetest.ErrorResponse(req, http.StatusBadRequest, "ConditionalCheckFailedException", "The conditional request failed"), nil
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
	}}
	r := f.oneShardSweeper(t, ic, vs).Run(context.Background())
	if r.BackedOff || r.Skipped != n/4 || r.Errors != n-n/4 {
		t.Errorf("Run() = %+v: got backed off %v, %d skipped, %d errors; want false, %d, %d", r, r.BackedOff, r.Skipped, r.Errors, n/4, n-n/4)
	}
}
