package sweep_test

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// lagOf is a run's lag as its summary line reports it (SweepLagMs,
// SweepLagPercent), each required to be one of the line's EMF metrics.
func lagOf(t *testing.T, logs *bytes.Buffer) (ms, percent float64) {
	t.Helper()
	_, summary := logLevels(t, logs.String())
	logs.Reset()
	var names []string
	if aws, ok := summary["_aws"].(map[string]any); ok {
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			for _, m := range d.(map[string]any)["Metrics"].([]any) {
				names = append(names, m.(map[string]any)["Name"].(string))
			}
		}
	}
	for _, name := range []string{"SweepLagMs", "SweepLagPercent"} {
		if !slices.Contains(names, name) {
			t.Errorf("summary line's metrics %v; want %s among them", names, name)
		}
	}
	ms, _ = summary["SweepLagMs"].(float64)
	percent, _ = summary["SweepLagPercent"].(float64)
	if _, ok := summary["SweepLagMs"].(float64); !ok {
		t.Errorf("summary %v has no SweepLagMs", summary)
	}
	if _, ok := summary["SweepLagPercent"].(float64); !ok {
		t.Errorf("summary %v has no SweepLagPercent", summary)
	}
	return ms, percent
}

// window is the time the sweeper has for a session in the sweep tests:
// from its expiry until WRITE_GUARD before the end of its retention.
var window = policy.Retention - policy.WriteGuard

// wantLag checks a run's reported lag against want.
func wantLag(t *testing.T, run string, ms, percent float64, want time.Duration) {
	t.Helper()
	wantPercent := 100 * want.Seconds() / window.Seconds()
	if ms != float64(want.Milliseconds()) || math.Abs(percent-wantPercent) > 0.01 {
		t.Errorf("%s: SweepLagMs %v, SweepLagPercent %v; want %v, %.2f", run, ms, percent, float64(want.Milliseconds()), wantPercent)
	}
}

// TestSweepReportsItsLag: each run reports how far behind the sweeper is,
// the age of the oldest expired session its queries found (now minus its
// expiresAt), in milliseconds and as a share of the time the sweeper has
// for a session (RESULT_RETENTION - WRITE_GUARD), so that one alarm
// threshold fits every retention. A backlog older than half that time
// shows above 50 %; once it is swept, the next run reports 0.
func TestSweepReportsItsLag(t *testing.T) {
	tests := []struct {
		name string
		ago  []time.Duration // the sessions' expiry, before t0
		want time.Duration
	}{
		{"nothing due", []time.Duration{-time.Minute}, 0},
		{"nothing due yet: within the guard band", []time.Duration{policy.WriteGuard - time.Second}, 0},
		{"swept within a minute", []time.Duration{time.Minute, policy.WriteGuard}, time.Minute},
		{"a backlog older than half the window", []time.Duration{time.Minute, 10 * time.Minute, 3 * time.Minute}, 10 * time.Minute},
		{"at the edge of the window", []time.Duration{window - time.Second}, window - time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var vs []*session.Session
			for _, ago := range tt.ago {
				vs = append(vs, sessions(3, t0.Add(-ago-policy.Expiry))...)
			}
			f.importAll(t, vs)
			f.sw.Run(context.Background())
			ms, percent := lagOf(t, f.logs)
			wantLag(t, "first run", ms, percent, tt.want)
			// Everything due was swept: the next run is not behind.
			f.sw.Run(context.Background())
			ms, percent = lagOf(t, f.logs)
			wantLag(t, "next run", ms, percent, 0)
		})
	}
}

// TestSweepLagGrowsWhileEveryQueryIsThrottled: a sweeper whose first query
// DynamoDB throttles every minute reads nothing, so it finds no session;
// reporting 0 would hide that it has not swept for minutes. For a shard it
// did not read, a run reports how old a session there could be, given what
// this sweeper last saw (a new sweeper counts from its start): every
// minute one more, so ten minutes of throttling page (above 50 % of a
// 14.5-minute window from the 8th minute on) before anything is lost.
func TestSweepLagGrowsWhileEveryQueryIsThrottled(t *testing.T) {
	var storm atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "Query" || !storm.Load() {
			return nil, nil
		}
		return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
	}}
	f := newFixture(t)
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)

	storm.Store(true)
	paged := false
	for minute := range 11 {
		f.clock.Set(t0.Add(time.Duration(minute) * time.Minute))
		if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
			t.Fatalf("minute %d: Run() = %+v; want backed off, nothing found", minute, r)
		}
		ms, percent := lagOf(t, f.logs)
		// Counted from the sweeper's start, as if it had found every shard
		// swept up to WRITE_GUARD before then.
		wantLag(t, "throttled run", ms, percent, time.Duration(minute)*time.Minute+policy.WriteGuard)
		paged = paged || percent > 50
	}
	if !paged {
		t.Errorf("ten minutes of throttled queries never reported a lag above 50 %%")
	}
	// Unthrottled, it reads every shard: nothing due, not behind.
	storm.Store(false)
	sw.Run(context.Background())
	ms, percent := lagOf(t, f.logs)
	wantLag(t, "unthrottled run", ms, percent, 0)
}

// TestSweepRemembersWhatItLeft: a run that found a backlog but could not
// write it (throttled writes) reports its age; the next run, throttled at
// its first query, reads nothing, yet still reports that backlog, a minute
// older; an unthrottled run sweeps it, and the one after is not behind.
func TestSweepRemembersWhatItLeft(t *testing.T) {
	var writes, queries atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if (op == "UpdateItem" && writes.Load()) || (op == "Query" && queries.Load()) {
			return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
		}
		return nil, nil
	}}
	f := newFixture(t)
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	backlog := sessions(40, t0.Add(-10*time.Minute-policy.Expiry))
	f.importAll(t, backlog)

	writes.Store(true)
	if r := sw.Run(context.Background()); !r.BackedOff || r.Found == 0 || r.Expired != 0 {
		t.Fatalf("throttled writes: Run() = %+v; want backed off, sessions found, none expired", r)
	}
	ms, percent := lagOf(t, f.logs)
	wantLag(t, "throttled writes", ms, percent, 10*time.Minute)

	writes.Store(false)
	queries.Store(true)
	f.clock.Set(t0.Add(time.Minute))
	if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
		t.Fatalf("throttled queries: Run() = %+v; want backed off, nothing found", r)
	}
	ms, percent = lagOf(t, f.logs)
	wantLag(t, "throttled queries", ms, percent, 11*time.Minute)

	queries.Store(false)
	f.clock.Set(t0.Add(2 * time.Minute))
	if r := sw.Run(context.Background()); r.Expired != len(backlog) || !r.Complete {
		t.Fatalf("unthrottled: Run() = %+v; want all %d expired, complete", r, len(backlog))
	}
	ms, percent = lagOf(t, f.logs)
	wantLag(t, "unthrottled", ms, percent, 12*time.Minute)

	f.clock.Set(t0.Add(3 * time.Minute))
	sw.Run(context.Background())
	ms, percent = lagOf(t, f.logs)
	wantLag(t, "after the backlog", ms, percent, 0)
}

// TestSweepRemembersOnlyWhatItLeft: for a shard a run cannot read, the lag
// is "the oldest entry a run found there and left for later (deferred,
// failed)" (README, "Its lag"), not the oldest it found: sessions it
// expired are not owed. One shard, one write at a time, a page of two
// entries: the first run expires the older sessions of its pages and
// leaves one (its write failed, or throttled: the run stops there, the
// rest of the shard unread); the next run, its query throttled a minute
// later, reports that session's age, not the age of those expired.
func TestSweepRemembersOnlyWhatItLeft(t *testing.T) {
	tests := []struct {
		name     string
		ago      []time.Duration // the sessions' expiry before t0, oldest first
		left     int             // the session whose write fails
		code     string          // how it fails
		wantLag  time.Duration   // the throttled run's, a minute later
		pageSize int
	}{
		// Read to its end; the newest session's write is refused (a 4xx
		// that is not throttling: an error, the run goes on).
		{"read to its end, one failed", []time.Duration{10 * time.Minute, 9 * time.Minute, 8 * time.Minute, 2 * time.Minute}, 3, "ValidationException", 3 * time.Minute, 200},
		// Pages of two: the second session's write is throttled, so the
		// run stops after its first page; the other pages are newer.
		{"stopped at a throttle", []time.Duration{10 * time.Minute, 6 * time.Minute, 5 * time.Minute, 4 * time.Minute}, 1, "ThrottlingException", 7 * time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var vs []*session.Session
			for _, ago := range tt.ago {
				vs = append(vs, sessions(1, t0.Add(-ago-policy.Expiry))...)
			}
			var queries atomic.Bool
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				switch {
				case op == "Query" && queries.Load():
					return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
				case op == "UpdateItem" && bytes.Contains(body, []byte(vs[tt.left].ID)):
					return storetest.ErrorResponse(req, http.StatusBadRequest, tt.code, "refused"), nil
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, vs)
			sw.PageSize = tt.pageSize
			if r := sw.Run(context.Background()); r.Expired != tt.left || r.Complete {
				t.Fatalf("first run: Run() = %+v; want %d expired, incomplete", r, tt.left)
			}
			ms, percent := lagOf(t, f.logs)
			wantLag(t, "first run", ms, percent, tt.ago[0])

			queries.Store(true)
			f.clock.Set(t0.Add(time.Minute))
			if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
				t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
			}
			ms, percent = lagOf(t, f.logs)
			wantLag(t, "throttled query", ms, percent, tt.wantLag)
		})
	}
}

// TestSweepSummaryLineLevelAndDimensions: README, "Each run logs one
// summary line, which is also a CloudWatch Embedded Metric Format document
// (namespace `paysessions`, dimensions `Service` and, on Lambda,
// `FunctionName`, the sweeper's own name". Off Lambda (no FunctionName)
// the only dimension is Service, never an empty FunctionName; the line is
// INFO for a run without errors and ERROR for one with any.
func TestSweepSummaryLineLevelAndDimensions(t *testing.T) {
	tests := []struct {
		name      string
		function  string
		fail      bool // the one due session's expiry write fails 500
		wantLevel string
		wantDims  []any
	}{
		{"off Lambda, nothing failed", "", false, "INFO", []any{"Service"}},
		{"on Lambda, nothing failed", "stack-expiry-sweeper", false, "INFO", []any{"Service", "FunctionName"}},
		{"a write failed", "", true, "ERROR", []any{"Service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op == "UpdateItem" && tt.fail {
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error"), nil
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, sessions(1, t0.Add(-5*time.Minute-policy.Expiry)))
			sw.FunctionName = tt.function
			r := sw.Run(context.Background())
			_, summary := logLevels(t, f.logs.String())
			// README: "`SessionsLeftToPurge`, `SessionsDeferred`,
			// `SweepErrors`, `SweepDurationMs`": the run's own counts and
			// duration, in milliseconds (sweep.go mutants 325-327
			// logged the duration in microseconds times a thousand, or
			// divided by 999 or 1001, and passed every test).
			for name, want := range map[string]float64{
				"SessionsFound": float64(r.Found), "SessionsExpired": float64(r.Expired), "SweepErrors": float64(r.Errors),
				"SweepDurationMs": float64(r.Duration.Microseconds()) / 1000, "SweepLagMs": float64(r.Lag.Microseconds()) / 1000,
			} {
				if got, ok := summary[name].(float64); !ok || got != want {
					t.Errorf("summary %s: got %v; want %v", name, summary[name], want)
				}
			}
			if r.Duration < time.Microsecond {
				t.Errorf("run's duration: got %v; want at least 1µs (a run with a write)", r.Duration)
			}
			if got := summary["level"]; got != tt.wantLevel {
				t.Errorf("summary level: got %v; want %v", got, tt.wantLevel)
			}
			if got := summary["FunctionName"]; tt.function != "" && got != tt.function || tt.function == "" && got != nil {
				t.Errorf("summary FunctionName: got %v; want %q", got, tt.function)
			}
			cw := summary["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
			if got := cw["Dimensions"].([]any)[0].([]any); !slices.Equal(got, tt.wantDims) {
				t.Errorf("dimensions: got %v; want %v", got, tt.wantDims)
			}
		})
	}
}
