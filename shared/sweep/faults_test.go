package sweep_test

import (
	"context"
	"encoding/json"
	"io"
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

// TestSweepUnderRealDynamoDBFaults: the sweeper meeting DynamoDB's real
// failure answers on its index query and on its writes, and answers lost
// after a write landed. "It ... finishes within its deadline, is safe to
// run twice at once, and a write that races it ... never loses: each expiry
// is a conditional write" (docs/design.md §4): every run returns before its
// deadline with a consistent tally (every session found is expired,
// skipped, deferred or an error), the next clean run finishes the rest, and
// every session is EXPIRED exactly once.
func TestSweepUnderRealDynamoDBFaults(t *testing.T) {
	sendThen := func(after func(req *http.Request) (*http.Response, error)) func(req *http.Request, n int64) (*http.Response, error) {
		return func(req *http.Request, _ int64) (*http.Response, error) {
			if _, err := storetest.Apply(req); err != nil {
				return nil, err
			}
			return after(req)
		}
	}
	reset := func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	cutShort := func(req *http.Request) (*http.Response, error) {
		res := storetest.ErrorResponse(req, 200, "X", "x")
		res.Body = io.NopCloser(strings.NewReader(`{"Attributes":{"st`))
		res.ContentLength = -1
		return res, nil
	}
	empty := func(req *http.Request) *http.Response {
		res := storetest.ErrorResponse(req, 200, "X", "x")
		res.Body, res.ContentLength = http.NoBody, 0
		return res
	}
	answer := func(f func(req *http.Request) *http.Response) func(req *http.Request, n int64) (*http.Response, error) {
		return func(req *http.Request, _ int64) (*http.Response, error) { return f(req), nil }
	}
	tests := []struct {
		name string
		op   string
		// answer answers the op's n-th call (from 1) in DynamoDB's place;
		// nil, nil sends it.
		answer func(req *http.Request, n int64) (*http.Response, error)
	}{
		{"write: ProvisionedThroughputExceeded", "UpdateItem", answer(func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, 400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.")
		})},
		{"write: RequestLimitExceeded", "UpdateItem", answer(func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, 400, "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.")
		})},
		{"write: 500 on every other call", "UpdateItem", func(req *http.Request, n int64) (*http.Response, error) {
			if n%2 == 0 {
				return nil, nil
			}
			return storetest.ErrorResponse(req, 500, "InternalServerError", "Internal server error"), nil
		}},
		{"write: applied, the first answer lost", "UpdateItem", func(req *http.Request, n int64) (*http.Response, error) {
			if n%2 == 0 {
				return nil, nil // the SDK's retry meets its own write
			}
			return sendThen(reset)(req, n)
		}},
		{"write: applied, every answer lost", "UpdateItem", sendThen(reset)},
		{"write: applied, the answer cut short", "UpdateItem", sendThen(cutShort)},
		{"query: ThrottlingException", "Query", answer(func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")
		})},
		{"query: 503", "Query", answer(func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, 503, "ServiceUnavailable", "Service unavailable")
		})},
		{"query: the answer cut short", "Query", func(req *http.Request, _ int64) (*http.Response, error) { return cutShort(req) }},
		// No DynamoDB answer is an empty 200; read as a success, it is a
		// shard with nothing due (a run complete with nothing expired) or
		// a write done that never reached the table (counted expired).
		{"query: an empty 200", "Query", answer(empty)},
		// Real DynamoDB's Query answer always holds Count and Items; {}
		// read as a success is a shard with nothing due.
		{"query: {} without Count or Items", "Query", answer(func(req *http.Request) *http.Response {
			res := storetest.ErrorResponse(req, 200, "X", "x")
			res.Body, res.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
			return res
		})},
		// An expiry index entry without the table's key: the index holds
		// only items with its keys, and projects the table's; skipped, it
		// is a session left unexpired by a run called complete.
		{"query: an index entry without pk", "Query", func(req *http.Request, _ int64) (*http.Response, error) {
			rw := &storetest.RewriteTransport{Rewrite: func(_ string, _, res []byte) []byte {
				var out map[string]json.RawMessage
				var items []map[string]json.RawMessage
				if json.Unmarshal(res, &out) != nil || json.Unmarshal(out["Items"], &items) != nil {
					return res
				}
				for _, it := range items {
					delete(it, "pk")
				}
				out["Items"], _ = json.Marshal(items)
				b, _ := json.Marshal(out)
				return b
			}}
			return rw.RoundTrip(req)
		}},
		{"write: not sent, an empty 200", "UpdateItem", answer(empty)},
		{"write: applied, the answer emptied", "UpdateItem", sendThen(func(req *http.Request) (*http.Response, error) { return empty(req), nil })},
		// An error DynamoDB does not have, or one an UpdateItem cannot
		// return, is not DynamoDB's answer: the write may have landed
		// behind it, and the sweeper reads it back, as behind a lost
		// answer; never a refusal counted as an error.
		{"write: applied, answered with an error DynamoDB does not have", "UpdateItem", sendThen(func(req *http.Request) (*http.Response, error) {
			return storetest.ErrorResponse(req, 400, "X", "x"), nil
		})},
		{"write: applied, answered with a TransactionCanceledException", "UpdateItem", sendThen(func(req *http.Request) (*http.Response, error) {
			return storetest.ErrorResponse(req, 400, "TransactionCanceledException", "Transaction cancelled"), nil
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failing atomic.Bool
			var calls atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != tt.op || !failing.Load() {
					return nil, nil
				}
				return tt.answer(req, calls.Add(1))
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 2}), f.table, policy, 16, f.clock.Now)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			vs := sessions(12, t0.Add(-31*time.Minute))
			f.importAll(t, vs)

			failing.Store(true)
			const budget = 20 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			start := time.Now()
			first := sw.Run(ctx)
			took := time.Since(start)
			cancel()
			failing.Store(false)
			if took >= budget {
				t.Errorf("the faulted run took %s; want it to return before its %s deadline", took, budget)
			}
			if calls.Load() == 0 {
				t.Fatalf("no %s met the fault: the test tests nothing", tt.op)
			}
			if tt.op == "Query" && first.Complete {
				t.Errorf("first run %+v with every query failing; want it incomplete", first)
			}
			if tt.op == "Query" && first.QueryErrors == 0 && !first.BackedOff {
				t.Errorf("first run %+v with every query failing; want the failed queries counted, or a back-off", first)
			}
			if first.Found != first.Expired+first.Skipped+first.LeftToPurge+first.Deferred+first.Errors-first.QueryErrors {
				t.Errorf("first run %+v: found ≠ expired + skipped + left to purge + deferred + write errors", first)
			}
			if strings.HasPrefix(tt.name, "write: applied") && first.Errors != 0 {
				t.Errorf("first run %+v with every write landed; want no error (each read back)", first)
			}
			if first.Complete != (first.Errors == 0 && first.Deferred == 0 && !first.BackedOff) {
				t.Errorf("first run %+v: complete must mean no error, nothing deferred, not backed off", first)
			}
			second := sw.Run(context.Background())
			if !second.Complete || second.Errors != 0 {
				t.Errorf("clean run after the faults = %+v; want it to complete", second)
			}
			if got := first.Expired + second.Expired; got > len(vs) {
				t.Errorf("runs expired %d + %d sessions of %d: one counted twice", first.Expired, second.Expired, len(vs))
			}
			for _, v := range vs {
				status, history := f.status(t, v.ID)
				n := 0
				for _, c := range history {
					if c.Status == session.Expired {
						n++
					}
				}
				if status != session.Expired || n != 1 {
					t.Errorf("%s = %s with %d expiry entries; want EXPIRED once", v.ID, status, n)
				}
			}
			t.Logf("first %+v (%d faulted calls), second %+v", first, calls.Load(), second)
		})
	}
}
