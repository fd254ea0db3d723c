package httpapi_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAnotherMerchantsSessionIsAnUnknownOne attacks tenancy as merchant
// m-1 holding valid credentials for every endpoint: docs/design.md §7, "a
// caller sees only its own merchant's sessions; another merchant's session
// answers exactly as an unknown one (404)", and §6 (document 003): "404 for
// an unknown session and for another merchant's (existence never leaks)".
// Every
// endpoint that names a session (the five dialects, the native read,
// cancel and event, and a create naming it as parentSessionId, with and
// without an Idempotency-Key) is asked about m-2's session — a parent with
// an open child, the richest case — and about an unknown id. The two
// answers must be the same (status, headers that matter, body but for the
// request id), and so must the DynamoDB calls made for them: an extra
// round trip is a timing oracle, and an extra read that can meet a running
// transaction (real DynamoDB's TransactionConflict) turns into a 503 the
// unknown id never gets. The test runs twice: as DynamoDB Local answers,
// and with every TransactGetItems meeting a running transaction.
func TestAnotherMerchantsSessionIsAnUnknownOne(t *testing.T) {
	var conflict atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if conflict.Load() && op == "TransactGetItems" {
			return storetest.TransactionCanceled(req, body, "TransactionConflict"), nil
		}
		return nil, nil
	}}
	calls := &storetest.CallCounter{}
	h := newHarnessWith(t, store.ClientOptions{
		HTTPClient: &http.Client{Transport: ic},
		APIOptions: []func(*middleware.Stack) error{calls.APIOption},
	})

	// m-2's parent with an open child.
	theirs := h.create("m-2", nil)
	if res := h.do("POST", "/sessions", h.merchantToken("m-2"), map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": theirs}); res.Code != 201 {
		t.Fatalf("m-2's child: %d %s", res.Code, res.Body)
	}
	const unknown = "0f2c9b7e-5d4a-4c1b-9e8f-7a6b5c4d3e2f"

	endpoints := ownersRequests(h, unknown)
	for _, mode := range []string{"DynamoDB Local", "every TransactGetItems meets a transaction"} {
		conflict.Store(mode != "DynamoDB Local")
		for _, e := range endpoints {
			t.Run(mode+"/"+e.name, func(t *testing.T) {
				calls.Take()
				mine := e.do(unknown)
				unknownCalls := strings.Join(calls.Take(), " ")
				other := e.do(theirs)
				theirCalls := strings.Join(calls.Take(), " ")
				if mine.Code != 404 && mine.Code != 400 {
					t.Fatalf("an unknown session = %d %s; want 404 (or 400 for a parentSessionId)", mine.Code, mine.Body)
				}
				if got, want := answerOf(other), answerOf(mine); got != want {
					t.Errorf("m-2's session answered\n%s\nan unknown one\n%s; want the same", got, want)
				}
				if theirCalls != unknownCalls {
					t.Errorf("DynamoDB calls for m-2's session %q; for an unknown one %q; want the same", theirCalls, unknownCalls)
				}
			})
		}
	}
	// Nothing of m-2's moved.
	if got := h.do("GET", "/sessions/"+theirs, h.merchantToken("m-2"), nil).json(t)["status"]; got != "CREATED" {
		t.Errorf("m-2's session is %v; want CREATED", got)
	}
}

// answerOf is what a client sees of res, but for the request id.
func answerOf(res response) string {
	body := res.Body.String()
	if rid := res.Header().Get("X-Request-Id"); rid != "" {
		body = strings.ReplaceAll(body, rid, "<request id>")
	}
	var b strings.Builder
	b.WriteString(http.StatusText(res.Code))
	for _, h := range []string{"Content-Type", "WWW-Authenticate", "Retry-After", "Allow", "Location", "Idempotent-Replayed"} {
		if v := res.Header().Values(h); len(v) > 0 {
			b.WriteString(" " + h + ": " + strings.Join(v, ","))
		}
	}
	return b.String() + " " + body
}

// ownersRequests is every request of m-1's that names a session by its id
// (the reads of every dialect, 003 with init=true, cancel, events, a child's
// create), each with m-1's credential its endpoint needs. unknown is an id
// no session has; asking it caches m-1's API key.
func ownersRequests(h *harness, unknown string) []namedRequest {
	write := h.merchantToken("m-1")
	key := h.apiKey("m-1", auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
	h.do("GET", "/payment-sessions/"+unknown, "", nil, "X-Api-Key", key) // the key is cached from here on
	own := h.token("m-1", auth.ScopeSessionsProcess)
	idem := 0
	create := func(id, credential string, headers ...string) response {
		body := map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": id}
		if credential == key {
			return h.do("POST", "/sessions", "", body, append(headers, "X-Api-Key", key)...)
		}
		return h.do("POST", "/sessions", credential, body, headers...)
	}
	return append(sessionReads(h, key), []namedRequest{
		{"003 init=true", func(id string) response {
			return h.do("GET", "/v1/checkout-sessions/"+id+"?init=true", h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1")
		}},
		{"cancel", func(id string) response { return h.do("POST", "/sessions/"+id+"/cancel", write, nil) }},
		{"cancel with an API key", func(id string) response {
			return h.do("POST", "/sessions/"+id+"/cancel", "", nil, "X-Api-Key", key)
		}},
		{"event AUTHORISED with m-1's sessions:process", func(id string) response {
			return h.do("POST", "/sessions/"+id+"/events", own, map[string]any{"status": "AUTHORISED", "eventId": "e-1"})
		}},
		{"event SETTLED with m-1's sessions:process", func(id string) response {
			return h.do("POST", "/sessions/"+id+"/events", own, map[string]any{"status": "SETTLED", "eventId": "e-2"})
		}},
		{"create naming it as parentSessionId", func(id string) response { return create(id, write) }},
		{"create naming it as parentSessionId, with an API key", func(id string) response { return create(id, key) }},
		{"create naming it as parentSessionId, with an Idempotency-Key", func(id string) response {
			idem++
			return create(id, write, "Idempotency-Key", "owner-"+strings.Repeat("k", idem))
		}},
	}...)
}
