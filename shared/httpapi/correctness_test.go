package httpapi_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestProcessorCloseOfParentOverHTTP: a processor's CANCELED on a parent
// closes its open child; the child can then take no money (409
// PARENT_CLOSED) and document 003 agrees.
func TestProcessorCloseOfParentOverHTTP(t *testing.T) {
	h := newHarness(t)
	tok := h.merchantToken("m-1")
	proc := h.processorToken()
	parent := h.create("m-1", nil)
	res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	childID := res.json(t)["id"].(string)
	if res := h.do("POST", "/sessions/"+parent+"/events", proc, map[string]any{"status": "CANCELED"}); res.Code != 200 {
		t.Fatalf("parent CANCELED = %d %s", res.Code, res.Body)
	}
	if got := h.do("GET", "/sessions/"+childID, tok, nil).json(t); got["status"] != "CANCELED" || got["statusReason"] != session.ReasonParentClosedText {
		t.Errorf("child = %v %v; want CANCELED %q", got["status"], got["statusReason"], session.ReasonParentClosedText)
	}
	wantProblem(t, h.do("POST", "/sessions/"+childID+"/events", proc, map[string]any{"status": "AUTHORISED"}), 409, session.ReasonParentClosed)
	wantProblem(t, h.do("GET", "/v1/checkout-sessions/"+parent, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1"), 410, session.ReasonSessionCanceled)
}

// TestLostRaceAndThrottlingNeverA500: real DynamoDB's TransactionConflict on
// a single-item write is retried, then 409 CONCURRENT_UPDATE; a transaction
// canceled by throttling is 503 with Retry-After.
func TestLostRaceAndThrottlingNeverA500(t *testing.T) {
	var mode atomic.Value // "", "conflict", "throttle"
	mode.Store("")
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		switch {
		case mode.Load() == "conflict" && op == "PutItem":
			return storetest.TransactionConflict(req), nil
		case mode.Load() == "throttle" && op == "TransactWriteItems":
			return storetest.TransactionCanceled(req, body, "ThrottlingError"), nil
		}
		return nil, nil
	}}
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)

	mode.Store("conflict")
	wantProblem(t, h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING"}), 409, session.ReasonConcurrentUpdate)
	wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", tok, nil), 409, session.ReasonConcurrentUpdate)

	mode.Store("throttle")
	res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": id})
	wantProblem(t, res, 503, session.ReasonUnavailable)
	if res.Header().Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}

	mode.Store("")
	if res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING"}); res.Code != 200 {
		t.Errorf("event once DynamoDB is clear = %d %s", res.Code, res.Body)
	}
}

// TestCheckoutReadsParentAndChildAtOneInstant: the clock crosses the
// sessions' expiry (parent and child expire together) between document
// 003's reads. One answer must never show an open parent beside an expired
// child: it judges both at one instant.
func TestCheckoutReadsParentAndChildAtOneInstant(t *testing.T) {
	var reads atomic.Int64
	var armed atomic.Bool
	var h *harness
	var expiresAt time.Time
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if armed.Load() && (op == "GetItem" || op == "TransactGetItems") && reads.Add(1) == 2 {
			h.clock.Set(expiresAt)
		}
		return nil, nil
	}}
	h = newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	parent := h.create("m-1", nil)
	res := h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	if res.Code != 201 {
		t.Fatalf("create child = %d %s", res.Code, res.Body)
	}
	expiresAt, _ = time.Parse(time.RFC3339, res.json(t)["expiresAt"].(string))
	h.clock.Set(expiresAt.Add(-time.Millisecond))
	user := h.token("m-1", auth.ScopeUser)
	armed.Store(true)
	res = h.do("GET", "/v1/checkout-sessions/"+parent, user, nil, "X-Merchant-Id", "m-1")
	armed.Store(false)
	switch res.Code {
	case http.StatusUnauthorized: // the parent read as expired, at the instant the child did
	case http.StatusOK:
		// The parent reads open (INITIATED): so must the child, which
		// expires at the same instant.
		cs := res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
		if child := cs["childSession"].(map[string]any); cs["checkoutSessionStatus"] != "INITIATED" || child["checkoutSessionStatus"] != "INITIATED" || child["expired"] == true {
			t.Errorf("003 = parent %v beside child %v; want one instant for both", cs["checkoutSessionStatus"], child)
		}
	default:
		t.Fatalf("003 = %d %s", res.Code, res.Body)
	}
}
