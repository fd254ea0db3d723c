package sweep_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepLinesQuoteNoTextOfAnEntryWhoseExpiryIsNotATime: "A sweeper's
// line names a session (session_id) only by an id the service makes, a
// UUID in canonical form, else [redacted]: the id is read from the expiry
// index entry DynamoDB answered, which an item the service did not write,
// or an answer that is not DynamoDB's, can fill with anything" (README).
// An entry whose expiresAt is not a time fails before any write, and its
// ERROR line's error text quoted the entry's id and its expiresAt whole
// (r100-sweeper, make run: an item "SESSION#not-a-session-id hunter2" with
// expiresAt "<time>x" logged "session_id":"[redacted]" beside "error":
// "...expiry key not-a-session-id hunter2: parsing time \"<time>x\"...").
// Neither text is the service's: each is left out of the line.
func TestSweepLinesQuoteNoTextOfAnEntryWhoseExpiryIsNotATime(t *testing.T) {
	tests := []struct {
		name, id, expiresAt string
	}{
		{"foreign id", "not-a-session-id hunter2", "2026-12-06T18:46:23.0000000x"},
		{"foreign expiresAt", "0f8fad5b-d9cb-469f-a165-70867728950e", "2026-12-06T18:46:23.0000000 hunter2"},
		{"both foreign", "hunter2", "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var queried, written atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				switch {
				case op == "Query" && strings.Contains(string(body), "byExpiry"):
					queried.Add(1)
					items := []map[string]any{{
						"pk":        map[string]string{"S": "SESSION#" + tt.id},
						"sk":        map[string]string{"S": "SESSION"},
						"expiresAt": map[string]string{"S": tt.expiresAt},
					}}
					b, _ := json.Marshal(map[string]any{"Items": items, "Count": 1, "ScannedCount": 1})
					return storetest.Success(req, b), nil
				case op == "UpdateItem" || op == "GetItem":
					written.Add(1)
				}
				return nil, nil
			}}
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, 1, f.clock.Now)
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			r := sw.Run(context.Background())
			if queried.Load() == 0 {
				t.Fatal("no query: the test tests nothing")
			}
			if r.Found != 1 || r.Errors != 1 || written.Load() != 0 {
				t.Fatalf("Run() = %+v, %d writes; want 1 found, 1 error, no write", r, written.Load())
			}
			logs := f.logs.String()
			if !strings.Contains(logs, `"msg":"expire failed"`) {
				t.Fatalf("no expire failed line: %s", logs)
			}
			for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
				if strings.Contains(line, "hunter2") {
					t.Errorf("line quotes the entry's text: got %s; want no hunter2", line)
				}
			}
		})
	}
}
