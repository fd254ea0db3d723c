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

// TestSweepQueryCutOffAtItsDeadlineIsIncomplete: README, "The expiry
// sweeper": "It stops starting writes (and queries) shortly before its
// deadline and the next run continues." A run whose only query was still
// unanswered when the run's time ran out read nothing of its shard: it
// stopped, so it is not Complete (its summary must not claim the shard was
// swept). Whether the query started before or after the run's stop, the
// answer is the same, so the test holds however slow the machine is.
func TestSweepQueryCutOffAtItsDeadlineIsIncomplete(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	for _, name := range []string{"a query that never answers"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ic := queriesHeldUntilCutOff()
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

// TestSweepQueriesCutOffAreCountedNotLogged: a run whose queries are all
// still unanswered at its deadline (a slow table, a busy machine) logs its
// summary and no line per query: README, "The expiry sweeper", promises "a
// few calls and lines a run", and a write cut off so is "counted, not
// logged". Each cut-off query wrote a WARN line, up to 16 a run, whose
// error named an unavailable service DynamoDB never was (r86-sweeper: 13
// and 16 lines in two runs in a row on make run with SWEEP_INTERVAL=2s).
// The summary counts them (QueriesCutOff) and says the run stopped.
func TestSweepQueriesCutOffAreCountedNotLogged(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	const shards = 16
	f := newFixture(t)
	ic := queriesHeldUntilCutOff()
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, shards, f.clock.Now)
	if err := st.ImportAll(context.Background(), sessions(shards, t0.Add(-31*time.Minute))); err != nil {
		t.Fatal(err)
	}
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce = shards
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r := sw.Run(ctx)
	levels, summary := logLevels(t, f.logs.String())
	if len(levels) != 0 {
		t.Errorf("lines beside the summary: %v; want none", levels)
	}
	if r.Complete || r.QueriesCutOff < 1 || r.QueriesCutOff > shards || r.Errors != 0 {
		t.Errorf("Run() = %+v; want incomplete, 1 to %d queries cut off, no error", r, shards)
	}
	if got := summary["QueriesCutOff"]; got != float64(r.QueriesCutOff) {
		t.Errorf("summary QueriesCutOff = %v; want %d", got, r.QueriesCutOff)
	}
}

// queriesHeldUntilCutOff holds every expiry index query until the run's
// deadline cuts it off.
func queriesHeldUntilCutOff() *storetest.Interceptor {
	return &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op == "Query" {
			<-req.Context().Done() // held until the run cuts it off
			return nil, req.Context().Err()
		}
		return nil, nil
	}}
}
