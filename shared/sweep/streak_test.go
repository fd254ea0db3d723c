package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepStormIsFailuresInARow: Run's doc comment, "once FailuresToStop
// calls (writes or queries) in a row have failed unavailable ... with no
// write landing in between, the run stops". Failures broken up by writes
// that land never stop the run, however many there are in all; past the
// run's first 10 (ErrorLines), they get no ERROR line of their own.
func TestSweepStormIsFailuresInARow(t *testing.T) {
	const n = 20
	tests := []struct {
		name      string
		landEvery int64 // every landEvery-th write lands, the others fail 500; 0: none lands
		landFirst bool  // the first write lands too
		backedOff bool
		expired   int
		errors    int
	}{
		// README: "after 8 calls in a row failed unavailable ... the run
		// backs off", and "it logs at most 10 ERROR lines for failed
		// calls, counting the rest in its summary".
		{"every write fails", 0, false, true, 0, 8},
		{"every fourth write lands", 4, false, false, n / 4, n - n/4},
		// A landed write starts the count again from none: after it, 8
		// failures in a row stop the run, not 7 or 9.
		{"the first write lands, then none", 0, true, true, 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			vs := sessions(n, t0.Add(-5*time.Minute-policy.Expiry))
			var writes atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" {
					return nil, nil
				}
				if k := writes.Add(1); tt.landEvery > 0 && k%tt.landEvery == 0 || tt.landFirst && k == 1 {
					return nil, nil
				}
				return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
			}}
			r := f.oneShardSweeper(t, ic, vs).Run(context.Background())
			if r.BackedOff != tt.backedOff || r.Expired != tt.expired || r.Errors != tt.errors {
				t.Errorf("Run() = %+v: got backed off %v, %d expired, %d errors; want %v, %d, %d",
					r, r.BackedOff, r.Expired, r.Errors, tt.backedOff, tt.expired, tt.errors)
			}
			// "at most ErrorLines failed calls get an ERROR line each; the
			// summary line counts them all (SweepErrors, ErrorsNotLogged)".
			levels, summary := logLevels(t, f.logs.String())
			if want := min(tt.errors, 10); levels["ERROR"] != want || summary["ErrorsNotLogged"] != float64(tt.errors-want) {
				t.Errorf("%d errors: got %d ERROR lines, ErrorsNotLogged %v; want %d, %d", tt.errors, levels["ERROR"], summary["ErrorsNotLogged"], want, tt.errors-want)
			}
		})
	}
}
