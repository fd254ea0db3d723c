package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAPIKeyWriteMeetingATransactionIsUnavailable: an API key's item is
// never written in a transaction, so DynamoDB never answers its PutItem
// (create) or UpdateItem (revoke) with TransactionConflictException, which
// it sends only for an item a running transaction holds. Such an answer
// is not DynamoDB's, as one the operation cannot return is: 503 with
// Retry-After, which createApiKey and revokeApiKey document. It was 409
// CONCURRENT_UPDATE ("The session is being changed concurrently"), a
// status neither operation has in docs/openapi.yaml (r89-openapi, live on
// make run and make start-api behind a proxy answering so).
func TestAPIKeyWriteMeetingATransactionIsUnavailable(t *testing.T) {
	var on atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if !on.Load() || op != "PutItem" && op != "UpdateItem" {
			return nil, nil
		}
		return storetest.ErrorResponse(req, 400, "TransactionConflictException", "Transaction is ongoing for the item"), nil
	}}
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 2})
	writer := h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)
	revokable := strings.Split(h.apiKey("m-1", auth.ScopeSessionsRead), "_")[1]
	on.Store(true)
	for name, res := range map[string]response{
		"create": h.do("POST", "/api-keys", writer, map[string]any{"scopes": []string{"sessions:read"}}),
		"revoke": h.do("DELETE", "/api-keys/"+revokable, writer, nil),
	} {
		var p struct{ Code string }
		_ = json.Unmarshal(res.Body.Bytes(), &p)
		if res.Code != http.StatusServiceUnavailable || p.Code != session.ReasonUnavailable || res.Header().Get("Retry-After") != "1" {
			t.Errorf("%s = %d %s (Retry-After %q); want 503 %s with Retry-After 1", name, res.Code, res.Body, res.Header().Get("Retry-After"), session.ReasonUnavailable)
		}
	}
}
