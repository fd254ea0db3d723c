package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestQuotedValueNeverLogged: DynamoDB refuses a write with a message that
// quotes the value it refused, as AWS's validation messages do ("1
// validation error detected: Value '…' at '…' failed to satisfy
// constraint"). A session's item holds its hcpToken, the hosted card
// page's token (document 003), which no rule for the client's text
// catches (32 characters of base64url); "never a token, key or card
// number" in a log line (docs/design.md §7). The request's ERROR line
// keeps what on-call needs (DynamoDB's status and request id), not the
// quoted item.
func TestQuotedValueNeverLogged(t *testing.T) {
	var armed atomic.Bool
	var quoted atomic.Pointer[string]
	hcpToken := regexp.MustCompile(`"hcpToken":\{"S":"([^"]+)"`)
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op != "PutItem" && op != "TransactWriteItems" || !armed.CompareAndSwap(true, false) {
			return nil, nil
		}
		m := hcpToken.FindSubmatch(body)
		if m == nil {
			return nil, nil
		}
		tok := string(m[1])
		quoted.Store(&tok)
		msg := fmt.Sprintf("1 validation error detected: Value '%s' at 'item' failed to satisfy constraint: Member must have length less than or equal to 400000", body)
		return storetest.ErrorResponse(req, 400, "ValidationException", msg), nil
	}}
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	tests := []struct {
		name string
		do   func() response
	}{
		{"create", func() response {
			armed.Store(true)
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"})
		}},
		{"create idempotent", func() response {
			armed.Store(true)
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", "k-quoted")
		}},
		{"event", func() response {
			id := h.create("m-1", nil)
			armed.Store(true)
			return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": "PROCESSING"})
		}},
		{"cancel", func() response {
			id := h.create("m-1", nil)
			armed.Store(true)
			return h.do("POST", "/sessions/"+id+"/cancel", merchant, nil)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			quoted.Store(nil)
			before := len(h.logs.String())
			res := tc.do()
			armed.Store(false)
			tok := quoted.Load()
			if tok == nil {
				t.Fatalf("got %d %s without a write quoted; want a write refused", res.Code, res.Body)
			}
			if res.Code != 500 {
				t.Errorf("status = %d; want 500", res.Code)
			}
			lines := logLines(t, h.logs.String()[before:])
			last := lines[len(lines)-1]
			if last["code"] != session.ReasonInternal || last["level"] != "ERROR" {
				t.Errorf("log line %v; want ERROR with code %s", last, session.ReasonInternal)
			}
			if e := fmt.Sprint(last["error"]); !strings.Contains(e, "StatusCode: 400, RequestID: injected") {
				t.Errorf("error = %q; want DynamoDB's status and request id", e)
			}
			if strings.Contains(h.logs.String()[before:], *tok) {
				t.Errorf("log %s holds the hcpToken %s", h.logs.String()[before:], *tok)
			}
		})
	}
}
