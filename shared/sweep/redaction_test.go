package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepLinesQuoteNothingDynamoDBQuoted: the sweeper's log lines say of
// an error what a request's ERROR line says (store.LoggedError): never a
// value DynamoDB's message quotes ("1 validation error detected: Value
// '…' at '…' failed to satisfy constraint", which can be a whole item,
// its hcpToken among it; "Tokens, keys and secrets never reach a log",
// docs/design.md §7), but the operation, DynamoDB's error code, the
// status and the request id. Throttling messages, which quote nothing,
// stay as they are.
func TestSweepLinesQuoteNothingDynamoDBQuoted(t *testing.T) {
	const quoted = "hcp-quoted-0123456789abcdefghijklmnopqrstuvwxyz"
	msg := "1 validation error detected: Value '{\"hcpToken\":\"" + quoted + "\"}' at 'item' failed to satisfy constraint: Member must have length less than or equal to 1024"
	tests := []struct {
		name, op, code string
		status         int
	}{
		{"a write refused, its message quoting a value", "UpdateItem", "ValidationException", 400},
		{"a query refused, its message quoting a value", "Query", "ValidationException", 400},
		{"a write throttled, its message quoting a value", "UpdateItem", "ThrottlingException", 400},
		{"a query throttled, its message quoting a value", "Query", "ThrottlingException", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failing atomic.Bool
			var calls atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != tt.op || !failing.Load() {
					return nil, nil
				}
				calls.Add(1)
				return storetest.ErrorResponse(req, tt.status, tt.code, msg), nil
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, 1, f.clock.Now)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			if err := st.ImportAll(context.Background(), sessions(3, t0.Add(-31*time.Minute))); err != nil {
				t.Fatal(err) // through st: its one expiry shard
			}
			failing.Store(true)
			sw.Run(context.Background())
			failing.Store(false)
			if calls.Load() == 0 {
				t.Fatalf("no %s met the fault: the test tests nothing", tt.op)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, tt.code) {
				t.Errorf("logs %s; want DynamoDB's error code %s (the outline)", logs, tt.code)
			}
			if strings.Contains(logs, quoted) {
				t.Errorf("logs %s hold the value DynamoDB's message quoted; want it redacted", logs)
			}
		})
	}
}
