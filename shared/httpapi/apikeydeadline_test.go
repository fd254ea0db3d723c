package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAPIKeyWritesUnderTheWriteDeadline: "each attempt cut off, a write
// call bounded by the guard band" (docs/design.md §8) holds for the API-key
// writes as for a session's. A DynamoDB that never answers the key's
// PutItem (POST /api-keys) or UpdateItem (DELETE /api-keys/{id}) is cut off
// at the store's write deadline, long before the request's own, and the
// answer is 503 with Retry-After, never a success: the key was not made,
// or is still live, and the client's retry finishes the revocation.
func TestAPIKeyWritesUnderTheWriteDeadline(t *testing.T) {
	// A 1 s band: an 800 ms write deadline, far inside the request's.
	policy := session.DefaultPolicy
	policy.WriteGuard = time.Second
	const requestDeadline = 5 * time.Second

	var hang atomic.Value // the operation to hang on an API key's item
	hang.Store("")
	var mu sync.Mutex
	var left []time.Duration // each hung attempt's time to its deadline; -1: none
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != hang.Load() || !bytes.Contains(body, []byte(`"APIKEY#`)) {
			return nil, nil
		}
		d, ok := req.Context().Deadline()
		mu.Lock()
		if ok {
			left = append(left, time.Until(d))
		} else {
			left = append(left, -1)
		}
		mu.Unlock()
		<-req.Context().Done() // DynamoDB never answers
		return nil, req.Context().Err()
	}}
	h := newHarnessPolicy(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}, policy)
	writeTimeout := h.st.(*store.Store).WriteTimeout()
	writer := h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	id := strings.Split(key, "_")[1]

	// keyWorks reports whether key is accepted: a read of an unknown
	// session is 404 with a live key, 401 with a revoked one.
	keyWorks := func() bool {
		res := h.do("GET", "/payment-sessions/00000000-0000-4000-8000-000000000000", "", nil, "X-Api-Key", key)
		return res.Code == http.StatusNotFound
	}

	tests := []struct {
		name, op, method, path string
		body                   string
		// after checks the state the 503 left, nothing hanging any more.
		after func(t *testing.T)
	}{
		{"POST /api-keys", "PutItem", "POST", "/api-keys", `{"scopes":["sessions:read"]}`, func(t *testing.T) {}},
		{"DELETE /api-keys/{id}", "UpdateItem", "DELETE", "/api-keys/" + id, "", func(t *testing.T) {
			if !keyWorks() {
				t.Errorf("the key is refused after a revocation answered 503 that never reached DynamoDB")
			}
			if res := h.do("DELETE", "/api-keys/"+id, writer, nil); res.Code != http.StatusNoContent {
				t.Errorf("the client's retry of the revocation = %d %s; want 204", res.Code, res.Body)
			}
			if keyWorks() {
				t.Errorf("the key still works after the retried revocation")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			left = nil
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), requestDeadline)
			defer cancel()
			r := httptest.NewRequestWithContext(ctx, tt.method, tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			r.Header.Set("Authorization", "Bearer "+writer)
			w := httptest.NewRecorder()
			hang.Store(tt.op)
			h.handler.ServeHTTP(w, r)
			hang.Store("")
			cut := ctx.Err() // the request's own deadline passed first

			mu.Lock()
			seen := append([]time.Duration(nil), left...)
			mu.Unlock()
			if len(seen) == 0 {
				t.Fatalf("no %s of the key was sent: the test tests nothing", tt.op)
			}
			for i, l := range seen {
				if l < 0 || l > writeTimeout {
					t.Errorf("%s attempt %d: deadline %s away; want within the write deadline (%s)", tt.op, i+1, l, writeTimeout)
				}
			}
			if cut != nil {
				t.Errorf("the answer came after the request's own deadline (%s); want it at the write deadline (%s)", requestDeadline, writeTimeout)
			}
			var p struct{ Code string }
			_ = json.Unmarshal(w.Body.Bytes(), &p)
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || p.Code != session.ReasonUnavailable {
				t.Errorf("%s with DynamoDB hanging = %d %s (Retry-After %q); want 503 %s with Retry-After", tt.name, w.Code, w.Body, w.Header().Get("Retry-After"), session.ReasonUnavailable)
			}
			tt.after(t)
		})
	}
}
