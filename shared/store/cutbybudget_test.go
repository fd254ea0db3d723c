package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCutByBudget holds cutByBudget to its doc comment on its own, beside
// failedWithin's wrapping, which decides most cases first: a round's error
// is a cut only when the round's context ended by the budget ("its cause is
// errListBudget") while the listing's own context still runs, and only when
// every joined error is a cut. "The cause, not rctx.Err(), tells the cut":
// DynamoDB failing within the budget "can fail with an error that is
// context.DeadlineExceeded to errors.Is (net/http's own per-attempt
// timeout); read as a cut, it answered a page short, and a whole day 400
// LIST_TOO_LARGE, for a failure (503)". Four mutants of cutByBudget (the
// cause check weakened or dropped, a joined error read as one) passed
// every list test against DynamoDB Local.
func TestCutByBudget(t *testing.T) {
	running := context.Background()
	cut, stop := context.WithTimeoutCause(running, -time.Second, errListBudget)
	defer stop()
	// A round the listing ended itself (its cancel, after the round's
	// calls returned): done, but not by the budget.
	ended, end := context.WithCancel(running)
	end()
	gone, leave := context.WithCancel(running)
	leave()
	timeout := context.DeadlineExceeded // as net/http's per-attempt timeout is to errors.Is
	throttled := errors.New("ProvisionedThroughputExceededException")
	tests := []struct {
		name      string
		err       error
		rctx, ctx context.Context
		want      bool
	}{
		{"no error", nil, cut, running, false},
		{"a call cut by the budget", timeout, cut, running, true},
		{"a wait that would pass the budget", errListBudget, cut, running, true},
		{"a call cut, with the budget as its cause", errors.Join(errListBudget), cut, running, true},
		{"every joined call cut", errors.Join(timeout, errListBudget), cut, running, true},
		{"a timeout in a round the budget did not end", timeout, ended, running, false},
		{"a timeout in the first round (the listing's own context)", timeout, running, running, false},
		{"a cut call beside DynamoDB's failure", errors.Join(timeout, throttled), cut, running, false},
		{"a cut call beside a call that failed within the round", errors.Join(timeout, &ownFailure{timeout}), cut, running, false},
		{"a call that failed within the round", &ownFailure{timeout}, cut, running, false},
		{"DynamoDB's failure as the budget ended", throttled, cut, running, false},
		{"the listing's own context ended", timeout, cut, gone, false},
	}
	for _, tt := range tests {
		if got := cutByBudget(tt.err, tt.rctx, tt.ctx); got != tt.want {
			t.Errorf("%s: cutByBudget = %v; want %v", tt.name, got, tt.want)
		}
	}
}
