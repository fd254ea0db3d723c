package sweep_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepSkipsASessionItsCutOffWriteExpiredLate: README, "The expiry
// sweeper": a write cut off at the run's deadline "is counted deferred,
// whether or not it landed, and the next run expires the session, no
// longer finds it, or, when that write was still on its way and landed
// after the next run's query read the session's entry, finds it and counts
// it skipped". That third case: the next run's write is refused and counted
// in SessionsSkipped, although no one but the sweeper wrote the session
// (r98-sweeper, make run with SWEEP_INTERVAL=2s under load: a run found
// 25, expired 2 and skipped 23 while no other writer could touch them).
// The session is stored EXPIRED once, by the late write.
func TestSweepSkipsASessionItsCutOffWriteExpiredLate(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	f := newFixture(t)
	vs := sessions(1, t0.Add(-31*time.Minute))
	held := make(chan *http.Request, 1)
	first := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != "UpdateItem" {
			return nil, nil
		}
		// Held on its way past the run's cut-off: sent later, below.
		late := req.Clone(context.Background())
		late.Body = io.NopCloser(bytes.NewReader(body))
		held <- late
		<-req.Context().Done()
		return nil, req.Context().Err()
	}}
	sw := f.oneShardSweeper(t, first, vs)
	// Long enough for the query to be answered and the write sent on a
	// loaded machine; the write is then held until the run's cut-off.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r := sw.Run(ctx); r.Found != 1 || r.Expired != 0 || r.Deferred != 1 || r.Errors != 0 || r.Complete {
		t.Fatalf("Run() = %+v; want found 1, expired 0, deferred 1, no error, incomplete", r)
	}
	var late *http.Request
	select {
	case late = <-held:
	default:
		t.Fatal("the first run sent no write")
	}
	// The next run's query reads the entry; the held write lands before
	// the next run's own write.
	next := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op == "UpdateItem" && late != nil {
			if status, err := storetest.Apply(late); err != nil || status != http.StatusOK {
				t.Errorf("the late write: status %d, %v; want 200", status, err)
			}
			late = nil
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: next}, MaxAttempts: 1}), f.table, policy, 1, f.clock.Now)
	r := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now).Run(context.Background())
	if r.Found != 1 || r.Expired != 0 || r.Skipped != 1 || r.Deferred != 0 || r.Errors != 0 {
		t.Errorf("next Run() = %+v; want found 1, skipped 1", r)
	}
	got := f.statuses(t)[vs[0].ID]
	if got.Status != session.Expired || len(got.History) != 2 {
		t.Errorf("stored %+v; want EXPIRED once (2 history entries)", got)
	}
}
