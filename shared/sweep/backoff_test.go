package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// throttleAnswers are real DynamoDB's throttling answers to a write.
var throttleAnswers = []struct {
	name, code, msg string
}{
	{"ThrottlingException", "ThrottlingException", "Rate of requests exceeds the allowed throughput."},
	{"ProvisionedThroughputExceeded", "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded."},
	{"RequestLimitExceeded", "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."},
}

// TestSweepBacksOffOnceThrottled: in a throttle storm the table's live
// traffic (processors' events, merchants' creates) is throttled too, and
// the sweeper's writes are the ones that can wait (reads already report
// the sessions EXPIRED). Once DynamoDB throttles one of its writes, a run
// sends no more writes (nor queries) and none is retried by the SDK: at
// most the writes already in flight (ShardsAtOnce × Workers) are sent at
// all, so at most that many less one after the first throttled one. The
// rest is deferred, counted in the one summary line, with one WARN line
// for the back-off (not one per session); a later unthrottled run
// finishes the work.
func TestSweepBacksOffOnceThrottled(t *testing.T) {
	const shards, atOnce, workers = 16, 2, 2
	for _, tt := range throttleAnswers {
		t.Run(tt.name, func(t *testing.T) {
			var storm atomic.Bool
			var mu sync.Mutex
			var sent, afterFirst int
			throttled := false
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" || !storm.Load() {
					return nil, nil
				}
				mu.Lock()
				defer mu.Unlock()
				sent++
				if throttled {
					afterFirst++
				}
				throttled = true
				return storetest.ErrorResponse(req, http.StatusBadRequest, tt.code, tt.msg), nil
			}}
			f := newFixture(t)
			// The SDK's default attempts, as in production.
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
			vs := f.backlog(t, st, 3)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			sw.ShardsAtOnce, sw.Workers = atOnce, workers

			storm.Store(true)
			r := sw.Run(context.Background())
			storm.Store(false)
			mu.Lock()
			gotSent, gotAfter := sent, afterFirst
			mu.Unlock()
			if gotSent == 0 {
				t.Fatalf("Run() = %+v sent no write: the test tests nothing", r)
			}
			if gotSent > atOnce*workers || gotAfter > atOnce*workers-1 {
				t.Errorf("throttle storm: %d writes sent, %d after the first throttled one; want at most %d and %d (the writes in flight)", gotSent, gotAfter, atOnce*workers, atOnce*workers-1)
			}
			if r.Expired != 0 || r.Errors != 0 || r.Deferred == 0 || r.Complete || !r.BackedOff ||
				r.Found != r.Expired+r.Skipped+r.LeftToPurge+r.Deferred+r.Errors {
				t.Errorf("Run() = %+v; want nothing expired, no error, the writes found deferred, backed off, incomplete", r)
			}
			lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
			if len(lines) > 2 || !strings.Contains(f.logs.String(), `"SessionsDeferred":`) {
				t.Errorf("throttle storm: %d log lines; want the summary and one back-off line:\n%s", len(lines), f.logs)
			}

			// Later runs without throttling finish the work (one does: the
			// backlog is small).
			next := sw.Run(context.Background())
			if !next.Complete || next.Errors != 0 || next.Expired != len(vs) || next.BackedOff {
				t.Errorf("unthrottled Run() = %+v; want all %d expired, complete", next, len(vs))
			}
			for _, v := range vs {
				st, hist := f.status(t, v.ID)
				if st != session.Expired || len(hist) != 2 {
					t.Errorf("%s = %s, history %+v; want EXPIRED once", v.ID, st, hist)
				}
			}
		})
	}
}

// TestSweepLogsNoLinePerDeferredSession: deferred sessions are counted in
// the run's one summary line (SessionsDeferred), not logged one WARN line
// each: a storm of deferrals (throttling, or writes that keep meeting
// running transactions) must not write thousands of lines a run.
func TestSweepLogsNoLinePerDeferredSession(t *testing.T) {
	tests := []struct {
		name   string
		answer func(req *http.Request) *http.Response
	}{
		{"throttling", func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")
		}},
		{"TransactionConflict", storetest.TransactionConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op == "UpdateItem" {
					return tt.answer(req), nil
				}
				return nil, nil
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 2}), f.table, policy, 16, f.clock.Now)
			vs := f.backlog(t, st, 4)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			r := sw.Run(context.Background())
			if r.Deferred == 0 || r.Errors != 0 || r.Complete {
				t.Fatalf("Run() = %+v; want sessions deferred, no error", r)
			}
			if lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n"); len(lines) > 2 {
				t.Errorf("%d sessions of %d deferred: %d log lines; want at most 2 (the summary, a back-off line):\n%s", r.Deferred, len(vs), len(lines), f.logs)
			}
		})
	}
}

// TestSweepTurnsGoOnAcrossRuns: runs cut short (here by a throttled write
// each, every run) keep the shards' turns going across runs, as within one
// run: each run starts with the first shard the previous run left waiting,
// so every shard is reached within a few runs, not the same first shards
// every run while the others' sessions wait until they drop out of the
// window.
func TestSweepTurnsGoOnAcrossRuns(t *testing.T) {
	const shards, pageSize = 8, 1
	f := newFixture(t)
	var mu sync.Mutex
	var queried map[int]bool
	var writes int
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		switch op {
		case "Query":
			queried[queryShard(t, body)] = true
		case "UpdateItem":
			// Each run's second write is throttled.
			if writes++; writes >= 2 {
				return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
			}
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
	f.backlog(t, st, 3)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce, sw.PageSize, sw.Workers = 1, pageSize, 1
	reached := map[int]bool{}
	// Each run reaches two shards (one expired, one throttled): the runs
	// between them reach all, if each starts where the last one stopped.
	for run := 1; run <= shards/2; run++ {
		mu.Lock()
		queried, writes = map[int]bool{}, 0
		mu.Unlock()
		r := sw.Run(context.Background())
		mu.Lock()
		n := writes
		for shard := range queried {
			reached[shard] = true
		}
		mu.Unlock()
		if r.Expired != 1 || !r.BackedOff || n != 2 {
			t.Fatalf("run %d = %+v, %d writes sent; want one expired, then backed off at the second write", run, r, n)
		}
	}
	if len(reached) != shards {
		t.Errorf("%d runs reached shards %v; want all %d", shards/2, reached, shards)
	}
}

// TestSweepBacksOffAtAThrottledQuery: a throttled expiry-index query is
// met as a throttled write is. Every shard's query reads the same index of
// the same table (and RequestLimitExceeded is the account's), so the next
// shard's query would be throttled too, and each SDK retry adds read load
// and spends the run's time in back-off sleeps: the throttled query is not
// retried, the run starts no more queries or writes (the calls in flight
// finish), and the summary says so (BackedOff) without counting the query
// as a deferred session: SessionsDeferred counts sessions, and every
// session found is counted once. A later unthrottled run finishes the
// work.
func TestSweepBacksOffAtAThrottledQuery(t *testing.T) {
	const shards, atOnce, perShard = 16, 2, 3
	for _, tt := range throttleAnswers {
		t.Run(tt.name, func(t *testing.T) {
			var storm atomic.Bool
			var queries atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "Query" || !storm.Load() {
					return nil, nil
				}
				queries.Add(1)
				return storetest.ErrorResponse(req, http.StatusBadRequest, tt.code, tt.msg), nil
			}}
			f := newFixture(t)
			// The SDK's default attempts, as in production.
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
			vs := f.backlog(t, st, perShard)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			sw.ShardsAtOnce = atOnce

			storm.Store(true)
			r := sw.Run(context.Background())
			storm.Store(false)
			if got := queries.Load(); got == 0 || got > atOnce {
				t.Errorf("throttled queries: %d sent; want 1..%d (those in flight, none retried)", got, atOnce)
			}
			if r.Errors != 0 || r.Complete || !r.BackedOff ||
				r.Found != r.Expired+r.Skipped+r.LeftToPurge+r.Deferred+r.Errors-r.QueryErrors {
				t.Errorf("Run() = %+v; want no error, backed off, incomplete, every session found counted once", r)
			}
			if lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n"); len(lines) > 2 {
				t.Errorf("throttled queries: %d log lines; want the summary and one back-off line:\n%s", len(lines), f.logs)
			}

			next := sw.Run(context.Background())
			if !next.Complete || next.Errors != 0 || next.Expired != len(vs) || next.BackedOff {
				t.Errorf("unthrottled Run() = %+v; want all %d expired, complete", next, len(vs))
			}
		})
	}
}
