package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestErrorLineQuotesNoCredentialDynamoDBQuoted: a 5xx's log line carries
// its error's text (docs/design.md §6: internal details are logged), and
// an SDK error's text is DynamoDB's message. DynamoDB's validation
// messages can quote the value they refuse ("1 validation error detected:
// Value '…' at '…' failed to satisfy constraint"; "The parameter cannot be
// converted to a numeric value: …"), and what a request writes holds the
// client's text: an Idempotency-Key, an orderId, an eventId, metadata,
// where an API key or a JWT passes the card rule. "Tokens, keys and
// secrets never reach a log" (§7): the line keeps what the service knows
// of the failure (the operation, DynamoDB's error code, its status and
// request id, the reason) and not DynamoDB's quote.
func TestErrorLineQuotesNoCredentialDynamoDBQuoted(t *testing.T) {
	var armed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if !armed.Load() || op != "PutItem" && op != "TransactWriteItems" {
			return nil, nil // reads are answered: the write carries the client's text
		}
		return storetest.ErrorResponse(req, 400, "ValidationException", "1 validation error detected: Value '"+string(body)+"' failed to satisfy constraint"), nil
	}}
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	id := h.create("m-1", nil)
	const (
		pskKey = "psk_0123456789abcdef_0123456789abcdef0123456789abcdef0123456789abcdef"
		jwt    = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJtZXJjaGFudCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU"
	)
	tests := []struct {
		name    string
		do      func() response
		secrets []string
	}{
		{"an API key as the Idempotency-Key", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", pskKey)
		}, []string{pskKey, "psk_"}},
		{"a JWT as the Idempotency-Key", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", jwt)
		}, []string{jwt, "eyJ"}},
		{"a JWT in orderId and metadata", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "orderId": jwt, "metadata": map[string]string{"k": pskKey}})
		}, []string{jwt, "eyJ", pskKey, "psk_"}},
		{"an API key as an eventId", func() response {
			return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": "PROCESSING", "eventId": pskKey})
		}, []string{pskKey, "psk_"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.logs.String())
			armed.Store(true)
			res := tt.do()
			armed.Store(false)
			if res.Code != http.StatusInternalServerError {
				t.Fatalf("got %d %s; want 500 (DynamoDB refused the request as malformed)", res.Code, res.Body)
			}
			lines := logLines(t, h.logs.String()[before:])
			if len(lines) != 1 {
				t.Fatalf("got %d log lines; want 1", len(lines))
			}
			line := lines[0]
			raw, _ := json.Marshal(line)
			for _, s := range tt.secrets {
				if strings.Contains(string(raw), s) {
					t.Errorf("log line %s holds %q; want no credential", raw, s)
				}
			}
			errText, _ := line["error"].(string)
			// The detail an operator needs is still there.
			for _, want := range []string{"ValidationException", "injected", "400"} {
				if !strings.Contains(errText, want) {
					t.Errorf("error %q lacks %q; want the operation's outline", errText, want)
				}
			}
			if line["code"] != session.ReasonInternal || line["level"] != "ERROR" {
				t.Errorf("got code %v level %v; want %s ERROR", line["code"], line["level"], session.ReasonInternal)
			}
		})
	}
}
