package sweep_test

import (
	"context"
	"encoding/json"
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

// TestSweepLinesShowOnlyASessionIdOfTheService: an expire that failed is
// logged with its session's id, which the sweeper read from the expiry
// index entry DynamoDB answered: the service's ids are UUIDs, and an entry
// the service did not write (or an answer not DynamoDB's) can hold
// anything. Behind make run, an expiry index answering pk
// "SESSION#4111111111111111", "SESSION#psk_<id>_<secret>" and a 5,000-byte
// id with an ANSI escape, and UpdateItem 500, logged "expire failed" with
// "session_id":"4111111111111111", the key whole and the 5 KB id (r93-logs):
// "a token, key, secret or card number never reaches a log" (README). An id
// that is no UUID is [redacted].
func TestSweepLinesShowOnlyASessionIdOfTheService(t *testing.T) {
	f := newFixture(t)
	// A UUID in another form than the service's canonical one (upper
	// case, braces, a urn: uuid.Parse reads each) is not one of its ids
	// either (loggedSessionID; r94-mutate: an id read as a UUID of 36
	// characters in any case passed every test).
	foreign := []string{"4111111111111111", "psk_0123456789abcdef_" + strings.Repeat("ab", 32), "a\x1b[31m" + strings.Repeat("Z", 5000),
		"0F8FAD5B-D9CB-469F-A165-70867728950E", "{0f8fad5b-d9cb-469f-a165-70867728950e}", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"}
	var queried, written atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		switch {
		case op == "Query" && strings.Contains(string(body), "byExpiry"):
			queried.Add(1)
			var items []map[string]any
			for _, id := range foreign {
				items = append(items, map[string]any{
					"pk":        map[string]string{"S": "SESSION#" + id},
					"sk":        map[string]string{"S": "SESSION"},
					"expiresAt": map[string]string{"S": f.clock.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.0000000Z")},
				})
			}
			b, _ := json.Marshal(map[string]any{"Items": items, "Count": len(items), "ScannedCount": len(items)})
			return storetest.Success(req, b), nil
		case op == "UpdateItem" || op == "GetItem":
			written.Add(1)
			return storetest.ErrorResponse(req, 500, "InternalServerError", "Internal server error"), nil
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, policy, 1, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce, sw.Workers = 1, 1
	sw.Run(context.Background())
	if queried.Load() == 0 || written.Load() == 0 {
		t.Fatalf("queries %d, writes %d: the test tests nothing", queried.Load(), written.Load())
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		var l struct {
			Msg       string
			SessionID *string `json:"session_id"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.SessionID != nil {
			ids = append(ids, *l.SessionID)
		}
	}
	if len(ids) < len(foreign) {
		t.Fatalf("no line names a session: %s", f.logs.String())
	}
	for _, id := range ids {
		if id != "[redacted]" {
			t.Errorf("session_id %.60q (%d bytes); want [redacted]", id, len(id))
		}
	}
}
