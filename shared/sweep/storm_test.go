package sweep_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// logLevels counts a run's log lines by level, and returns the summary
// line (msg "sweep").
func logLevels(t *testing.T, logs string) (levels map[string]int, summary map[string]any) {
	t.Helper()
	levels = map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if doc["msg"] == "sweep" {
			summary = doc
			continue
		}
		levels[doc["level"].(string)]++
	}
	if summary == nil {
		t.Fatalf("no summary line in:\n%s", logs)
	}
	return levels, summary
}

// TestSweepBoundsAFailureStorm: DynamoDB failing every expiry write (5xx
// after the SDK's retries, or the connection failing), with a backlog of
// sessions. One ERROR line per session would flood the log group with
// thousands of lines a run, and every further write (each retried by the
// SDK, then read back) adds load to a table that is failing: the run stops
// after sweep.FailuresToStop writes in a row failed so (the writes in
// flight finish; the rest is deferred, as after a throttled write), logs
// at most sweep.ErrorLines ERROR lines, and its one summary line counts
// every session found exactly once and every failed write in SweepErrors
// (so the SweepErrors alarm still fires). A later clean run finishes the
// work.
func TestSweepBoundsAFailureStorm(t *testing.T) {
	const shards, atOnce, workers, perShard = 16, 2, 2, 4
	tests := []struct {
		name   string
		answer func(req *http.Request) (*http.Response, error)
	}{
		{"InternalServerError", func(req *http.Request) (*http.Response, error) {
			return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
		}},
		{"ServiceUnavailable", func(req *http.Request) (*http.Response, error) {
			return storetest.ErrorResponse(req, http.StatusServiceUnavailable, "ServiceUnavailable", "Service unavailable"), nil
		}},
		{"connection reset", func(*http.Request) (*http.Response, error) {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var storm atomic.Bool
			var writes atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" || !storm.Load() {
					return nil, nil
				}
				writes.Add(1)
				return tt.answer(req)
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 2}), f.table, policy, shards, f.clock.Now)
			vs := f.backlog(t, st, perShard)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			sw.ShardsAtOnce, sw.Workers = atOnce, workers

			storm.Store(true)
			r := sw.Run(context.Background())
			storm.Store(false)
			if writes.Load() == 0 {
				t.Fatalf("Run() = %+v sent no write: the test tests nothing", r)
			}
			if r.Found != r.Expired+r.Skipped+r.LeftToPurge+r.Deferred+r.Errors-r.QueryErrors {
				t.Errorf("Run() = %+v: found ≠ expired + skipped + left to purge + deferred + write errors", r)
			}
			// The writes that failed before the run stopped, and those
			// then in flight.
			if most := sweep.FailuresToStop + atOnce*workers; r.Errors == 0 || r.Errors > most || r.Expired != 0 || r.Complete || !r.BackedOff {
				t.Errorf("Run() = %+v; want 1..%d errors (then stopped, the rest deferred), nothing expired, backed off, incomplete", r, most)
			}
			levels, summary := logLevels(t, f.logs.String())
			if levels["ERROR"] > sweep.ErrorLines {
				t.Errorf("%d of %d sessions failed: %d ERROR lines; want at most %d:\n%s", r.Errors, len(vs), levels["ERROR"], sweep.ErrorLines, f.logs)
			}
			if got := summary["SweepErrors"]; got != float64(r.Errors) || summary["level"] != "ERROR" {
				t.Errorf("summary SweepErrors = %v at %v; want %d at ERROR", got, summary["level"], r.Errors)
			}
			if got := summary["ErrorsNotLogged"]; got != float64(r.Errors-levels["ERROR"]) {
				t.Errorf("summary ErrorsNotLogged = %v; want %d (%d errors, %d logged)", got, r.Errors-levels["ERROR"], r.Errors, levels["ERROR"])
			}

			next := sw.Run(context.Background())
			if !next.Complete || next.Errors != 0 || next.Expired+r.Expired != len(vs) {
				t.Errorf("clean Run() = %+v; want the %d sessions expired, complete", next, len(vs))
			}
			for _, v := range vs {
				if st, hist := f.status(t, v.ID); st != session.Expired || len(hist) != 2 {
					t.Errorf("%s = %s, history %+v; want EXPIRED once", v.ID, st, hist)
				}
			}
		})
	}
}

// TestSweepStormCountsNoWriteAsLanded: the run stops after
// sweep.FailuresToStop calls in a row failed unavailable "with no write
// landing in between" (Run's doc). A session left to purge is sent no
// write, so it proves nothing about DynamoDB and must not start the count
// again: with one such session between the 7th and the 8th failed write,
// the run still stops at the 8th.
func TestSweepStormCountsNoWriteAsLanded(t *testing.T) {
	f := newFixture(t)
	// One shard, one write at a time, so the sessions are tried in expiry
	// order: session i is purged at t0 + 2 min + i×10 s, all expired.
	const n = 20
	vs := make([]*session.Session, 0, n)
	for i := range n {
		vs = append(vs, sessions(1, t0.Add(-policy.Expiry-policy.Retention+2*time.Minute+time.Duration(i)*10*time.Second))...)
	}
	before := sweep.FailuresToStop - 1
	var readBacks atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		switch op {
		case "UpdateItem":
			return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
		case "GetItem":
			// After the read-back of the last failed write before it,
			// session number `before` comes within the band before its
			// purge (purged 25 s from now, the band 30 s); the next
			// session stays clear of it (35 s).
			if readBacks.Add(1) == int64(before) {
				f.clock.Set(t0.Add(2*time.Minute + time.Duration(before)*10*time.Second - 25*time.Second))
			}
		}
		return nil, nil
	}}
	sw := f.oneShardSweeper(t, ic, vs)
	r := sw.Run(context.Background())
	if r.LeftToPurge != 1 || r.Errors != sweep.FailuresToStop || !r.BackedOff || r.Deferred != n-sweep.FailuresToStop-1 {
		t.Errorf("Run() = %+v; got %d errors, %d left to purge; want %d errors (then backed off), 1 left to purge, %d deferred",
			r, r.Errors, r.LeftToPurge, sweep.FailuresToStop, n-sweep.FailuresToStop-1)
	}
}

// TestSweepStormCountsNoLandedWriteAfterAReadBack: a write whose outcome is
// unknown (a 5xx) is judged by the session read back; when someone else
// closed the session meanwhile it is counted skipped, not as an error, but
// this write did not land (the session's last writes are not its own), so,
// as for a session left to purge, the failures in a row go on counting
// ("with no write landing in between", Run's doc): with such a session
// between the 3rd and the 4th failed write, the run still stops at the 8th.
func TestSweepStormCountsNoLandedWriteAfterAReadBack(t *testing.T) {
	f := newFixture(t)
	const n, closedAt = 20, 4 // the 4th write's session is closed by someone else
	vs := sessions(n, t0.Add(-5*time.Minute-policy.Expiry))
	expiresAt := map[string]string{}
	for _, v := range vs {
		expiresAt[v.ID] = v.ExpiresAt.UTC().Format("2006-01-02T15:04:05.0000000Z")
	}
	other := store.New(f.db, f.table, policy, 1, f.clock.Now)
	var writes atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != "UpdateItem" {
			return nil, nil
		}
		if writes.Add(1) == closedAt {
			var in struct {
				Key struct {
					PK struct{ S string } `json:"pk"`
				}
			}
			if err := json.Unmarshal(body, &in); err != nil {
				t.Errorf("UpdateItem body %s: %v", body, err)
			}
			id := strings.TrimPrefix(in.Key.PK.S, "SESSION#")
			if ok, err := other.Expire(context.Background(), store.ExpiryKey{ID: id, ExpiresAt: expiresAt[id]}); !ok || err != nil {
				t.Errorf("closing %s by another sweeper: %v, %v; want true, nil", id, ok, err)
			}
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
	}}
	sw := f.oneShardSweeper(t, ic, vs)
	r := sw.Run(context.Background())
	if r.Skipped != 1 || r.Errors != sweep.FailuresToStop || !r.BackedOff || r.Deferred != n-sweep.FailuresToStop-1 {
		t.Errorf("Run() = %+v; got %d errors, %d skipped; want %d errors (then backed off), 1 skipped, %d deferred",
			r, r.Errors, r.Skipped, sweep.FailuresToStop, n-sweep.FailuresToStop-1)
	}
}

// TestSweepSummaryLineAddsUp: the summary line is what an operator (and a
// log query) has of a run: its counts add up as the Result's do, SessionsFound
// = SessionsExpired + SessionsSkipped + SessionsLeftToPurge +
// SessionsDeferred + SweepErrors - QueryErrors, also when a shard's query
// failed (an error that is no session).
func TestSweepSummaryLineAddsUp(t *testing.T) {
	tests := []struct {
		name          string
		failedQueries int64 // the run's first queries that fail with a 500
	}{
		{"every query answered", 0},
		{"one query failed", 1},
		{"three queries failed", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var queries atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op == "Query" && queries.Add(1) <= tt.failedQueries {
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
				}
				return nil, nil
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, 16, f.clock.Now)
			f.backlog(t, st, 2)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			r := sw.Run(context.Background())
			if r.QueryErrors != int(tt.failedQueries) || r.Found == 0 {
				t.Fatalf("Run() = %+v; want %d query errors, sessions found", r, tt.failedQueries)
			}
			_, m := logLevels(t, f.logs.String())
			num := func(name string) float64 {
				v, ok := m[name].(float64)
				if !ok {
					t.Errorf("summary line %v: %s = %v; want a number", m, name, m[name])
				}
				return v
			}
			if got, want := num("SessionsFound"), num("SessionsExpired")+num("SessionsSkipped")+num("SessionsLeftToPurge")+num("SessionsDeferred")+num("SweepErrors")-num("QueryErrors"); got != want {
				t.Errorf("summary line SessionsFound = %v; want %v (expired + skipped + left to purge + deferred + errors - query errors): %v", got, want, m)
			}
		})
	}
}
