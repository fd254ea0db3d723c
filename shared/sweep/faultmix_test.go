package sweep_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// writeKey is the pk an UpdateItem request's body names.
func writeKey(body []byte) string {
	var in struct{ Key map[string]struct{ S string } }
	_ = json.Unmarshal(body, &in)
	return in.Key["pk"].S
}

// TestSweepCountsEveryEntryOnceUnderMixedFaults: README, the summary line
// counts "each session found ... once: expired, skipped, left to purge,
// deferred or an error", and docs/design.md §4, "the next run finishes the
// work". Runs whose writes meet a mix of DynamoDB's answers — a throttle
// (the run backs off mid-page, its pages in hand deferred), running
// transactions, answers lost after the write landed — each count every
// entry they found exactly once, and runs one after another (the shards'
// turns carried on) expire every session exactly once, none counted as an
// error or as skipped (no one else closed them). The faults land on
// different sessions from run to run (the order writes arrive in varies);
// the counts hold whichever.
func TestSweepCountsEveryEntryOnceUnderMixedFaults(t *testing.T) {
	const shards, perShard, atOnce, workers, pageSize = 8, 6, 3, 2, 4
	for seed := uint64(1); seed <= 8; seed++ {
		f := newFixture(t)
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(seed, 7))
		fault := map[string]int{} // a session's fault, drawn at its first write: 0-99
		sent := map[string]bool{} // sessions written this run
		const none = 100
		ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
			if op != "UpdateItem" {
				return nil, nil
			}
			mu.Lock()
			defer mu.Unlock()
			k := writeKey(body)
			first := !sent[k]
			sent[k] = true
			x, ok := fault[k]
			if !ok {
				x = rng.IntN(100)
				fault[k] = x
			}
			switch {
			case x < 8 && first: // throttled once, ever: the run backs off
				fault[k] = none
				return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
			case x >= 8 && x < 16: // held by a transaction until cleared below
				return storetest.TransactionConflict(req), nil
			case x >= 16 && x < 24 && first: // applied, its answer lost
				return storetest.AnswerLost(http.DefaultTransport, req)
			}
			return nil, nil
		}}
		st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
		vs := f.backlog(t, st, perShard)
		sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
		sw.ShardsAtOnce, sw.Workers, sw.PageSize = atOnce, workers, pageSize
		expired := 0
		for run := 1; ; run++ {
			mu.Lock()
			clear(sent)
			if run%5 == 0 { // the transactions end
				for k, x := range fault {
					if x >= 8 && x < 16 {
						fault[k] = none
					}
				}
			}
			mu.Unlock()
			r := sw.Run(context.Background())
			expired += r.Expired
			if r.Found != r.Expired+r.Skipped+r.LeftToPurge+r.Deferred+r.Errors || r.Errors != 0 || r.Skipped != 0 {
				t.Errorf("seed %d, run %d: Run() = %+v; want every entry found counted once, no error, none skipped", seed, run, r)
			}
			if r.Complete {
				break
			}
			// Every session is throttled at most once and the conflicts
			// end at run 5: a few runs more than that always finish.
			if run > 100 {
				t.Fatalf("seed %d: no complete run in %d", seed, run)
			}
		}
		if expired != len(vs) {
			t.Errorf("seed %d: the runs expired %d sessions; want %d", seed, expired, len(vs))
		}
		stored := f.statuses(t)
		for _, v := range vs {
			s, hist := stored[v.ID].Status, stored[v.ID].History
			if s != session.Expired || len(hist) != 2 {
				t.Errorf("seed %d: %s = %s, history %+v; want EXPIRED once", seed, v.ID, s, hist)
			}
		}
	}
}
