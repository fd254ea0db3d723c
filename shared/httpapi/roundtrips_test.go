package httpapi_test

import (
	"strings"
	"testing"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestRoundTrips counts the DynamoDB calls each request makes, with an SDK
// middleware: every single-session GET is exactly one consistent GetItem
// (the counter names an eventually consistent one apart, so a GetItem
// without ConsistentRead fails it)
// (document 003 of a parent with a child: that and one TransactGetItems of
// the pair), a create one write, a processor event two calls (read,
// conditional write) without contention, and the list one Query of each of
// the index's LIST_SHARDS partitions of the day (ids and order) and one
// consistent BatchGetItem of the table (the sessions) per page of up to
// 100, the whole day of 23 included. Any extra call fails the test.
func TestRoundTrips(t *testing.T) {
	calls := &storetest.CallCounter{}
	h := newHarnessWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	m := h.merchantToken("m-1")
	read := h.token("m-1", auth.ScopeSessionsRead)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)

	var id, parent string
	tests := []struct {
		name string
		do   func() response
		want string
	}{
		{"create", func() response {
			res := h.do("POST", "/sessions", m, map[string]any{"amount": 1, "currency": "EUR"})
			id = res.json(t)["id"].(string)
			return res
		}, "PutItem"},
		{"create with Idempotency-Key", func() response {
			res := h.do("POST", "/sessions", m, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", "rt-1")
			parent = res.json(t)["id"].(string)
			return res
		}, "TransactWriteItems"},
		{"GET /sessions/{id}", func() response { return h.do("GET", "/sessions/"+id, read, nil) }, "GetItem"},
		{"000", func() response { return h.do("GET", "/v1/session/"+id, read, nil) }, "GetItem"},
		{"001", func() response {
			return h.do("GET", "/v2.0/payments/"+id+"/status", h.token("m-1", auth.ScopePaymentRead), nil)
		}, "GetItem"},
		{"002, key not yet cached", func() response { return h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key) }, "GetItem GetItem"},
		{"002", func() response { return h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key) }, "GetItem"},
		{"GET /sessions/{id} with the API key", func() response { return h.do("GET", "/sessions/"+id, "", nil, "X-Api-Key", key) }, "GetItem"},
		{"003", func() response {
			return h.do("GET", "/v1/checkout-sessions/"+id, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1")
		}, "GetItem"},
		{"004", func() response { return h.do("GET", "/pps/api/v1/session-record/"+id, read, nil) }, "GetItem"},
		{"event", func() response {
			return h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING"})
		}, "GetItem PutItem"},
		{"cancel", func() response { return h.do("POST", "/sessions/"+id+"/cancel", m, nil) }, "GetItem PutItem"},
		// A parent with a child: document 003 reads the parent, then the
		// parent and the child together, at one instant.
		{"create child", func() response {
			return h.do("POST", "/sessions", m, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
		}, "GetItem TransactWriteItems"},
		{"003 of a parent with a child", func() response {
			return h.do("GET", "/v1/checkout-sessions/"+parent, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1")
		}, "GetItem TransactGetItems"},
		// Closing a parent closes its open child in the same transaction.
		{"event closing a parent with an open child", func() response {
			return h.do("POST", "/sessions/"+parent+"/events", h.processorToken(), map[string]any{"status": "FAILED"})
		}, "GetItem GetItem TransactWriteItems"},
	}
	calls.Take()
	for _, tt := range tests {
		res := tt.do()
		got := strings.Join(calls.Take(), " ")
		if res.Code >= 300 {
			t.Errorf("%s: status %d %s", tt.name, res.Code, res.Body)
		}
		if got != tt.want {
			t.Errorf("%s: DynamoDB calls %q; want %q", tt.name, got, tt.want)
		}
	}

	// The list: 23 sessions of the day (the 3 above and 20 more), pages of
	// 10: a Query per partition and one BatchGetItem per page; the whole day
	// the same.
	list := strings.Repeat("Query ", store.DefaultListShards) + "BatchGetItem"
	for i := 0; i < 20; i++ {
		h.create("m-1", nil)
	}
	calls.Take()
	if res := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23", read, nil); res.Code != 200 {
		t.Errorf("whole day: status %d %s", res.Code, res.Body)
	}
	if got := strings.Join(calls.Take(), " "); got != list {
		t.Errorf("whole day: DynamoDB calls %q; want %q", got, list)
	}
	next := "/pps/api/v1/session-record?createdDate=2026-11-23&limit=10"
	pages := 0
	for next != "" {
		res := h.do("GET", next, read, nil)
		pages++
		if got := strings.Join(calls.Take(), " "); got != list {
			t.Errorf("list page %d: DynamoDB calls %q; want %q", pages, got, list)
		}
		next = ""
		if link := res.Header().Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if pages != 3 {
		t.Errorf("list of 23 in pages of 10 took %d pages; want 3", pages)
	}
}
