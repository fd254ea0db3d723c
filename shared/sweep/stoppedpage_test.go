package sweep_test

import (
	"bytes"
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

// TestSweepOwesThePageItStoppedIn: a run "stops starting writes shortly
// before its deadline and the next run finishes the work" (docs/design.md
// §4), and for a shard a later run cannot read, the lag is "now minus the
// oldest expiresAt the last run that read it found there and left for
// later (deferred, failed)" (sweep.go, lag). The sessions of a page the run
// stopped in, never written, are left for later like a throttled one. One
// shard, one write at a time, one page of three: the oldest session's write
// lands just after the run's time to start writes is up, so the other two
// are deferred unwritten; the next run, its query throttled a minute later,
// owes the older of those two (then 10 minutes past its expiresAt), not
// only what was due when the first run started.
func TestSweepOwesThePageItStoppedIn(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	f := newFixture(t)
	var vs []*session.Session
	for _, ago := range []time.Duration{10 * time.Minute, 9 * time.Minute, 8 * time.Minute} {
		vs = append(vs, sessions(1, t0.Add(-ago-policy.Expiry))...)
	}
	const margin = 1500 * time.Millisecond
	var stopAt atomic.Int64 // when the first run stops starting writes (unix ns)
	var queries atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		switch {
		case op == "Query" && queries.Load():
			return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
		case op == "UpdateItem" && bytes.Contains(body, []byte(vs[0].ID)):
			// The write lands; its answer comes just after the run's
			// time to start writes is up, well before its calls are cut.
			res, err := http.DefaultTransport.RoundTrip(req)
			time.Sleep(time.Until(time.Unix(0, stopAt.Load()).Add(200 * time.Millisecond)))
			return res, err
		}
		return nil, nil
	}}
	sw := f.oneShardSweeper(t, ic, vs)
	sw.Margin = margin
	deadline := time.Now().Add(4 * margin)
	stopAt.Store(deadline.Add(-margin).UnixNano())
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if r := sw.Run(ctx); r.Found != 3 || r.Expired != 1 || r.Deferred != 2 || r.Complete {
		t.Fatalf("first run: Run() = %+v; want 3 found, 1 expired, 2 deferred, incomplete", r)
	}
	ms, percent := lagOf(t, f.logs)
	wantLag(t, "first run", ms, percent, 10*time.Minute)

	queries.Store(true)
	f.clock.Set(t0.Add(time.Minute))
	if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
		t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
	}
	ms, percent = lagOf(t, f.logs)
	wantLag(t, "throttled query", ms, percent, 10*time.Minute)
}

// TestSweepStoppedBeforeEveryTurnIsIncomplete: Result's Complete is "false:
// stopped early (deadline, back-off) or failures; the next run continues".
// A run whose time is up after its first shard's query, with nothing
// found, deferred or failed, has still not read the other fifteen shards:
// it is not complete, though no count says so.
func TestSweepStoppedBeforeEveryTurnIsIncomplete(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	f := newFixture(t)
	const margin = 1500 * time.Millisecond
	var stopAt atomic.Int64 // when the run stops starting calls (unix ns)
	var queries atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op == "Query" && queries.Add(1) == 1 {
			// Answered at once, handed back just after the run's time to
			// start calls is up, well before its calls are cut.
			res, err := http.DefaultTransport.RoundTrip(req)
			time.Sleep(time.Until(time.Unix(0, stopAt.Load()).Add(200 * time.Millisecond)))
			return res, err
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, 16, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.Margin, sw.ShardsAtOnce = margin, 1
	deadline := time.Now().Add(4 * margin)
	stopAt.Store(deadline.Add(-margin).UnixNano())
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	r := sw.Run(ctx)
	if got := queries.Load(); got != 1 {
		t.Fatalf("queries sent: got %d; want 1 (the run stopped after the first)", got)
	}
	if r.Complete || r.Found != 0 || r.Deferred != 0 || r.Errors != 0 {
		t.Errorf("Run() = %+v; want incomplete, nothing found, deferred or failed", r)
	}
}
