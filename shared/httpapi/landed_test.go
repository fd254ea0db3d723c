package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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

// landedAnswer is what a write DynamoDB applied is answered with instead
// of its success: ops the write operations it can stand for.
type landedAnswer struct {
	name string
	ops  []string
	// after answers the request once DynamoDB has applied it.
	after func(req *http.Request, body []byte) (*http.Response, error)
	// guard is WRITE_GUARD in the rows of this answer (0: the default,
	// 5 s): only the deadline's rows shorten it, to wait 1.6 s for their
	// write deadline, where every other write of theirs gets 1.6 s too.
	guard time.Duration
}

var writeOps = []string{"PutItem", "UpdateItem", "TransactWriteItems"}

// landedAnswers are the answers that end a write in 503 although it
// landed: a transaction canceled without one reason per item
// (refuseForeignAnswers), the write's deadline passing while the answer
// is on its way (writeContext, the API-key writes' included), a success
// with an empty body (refuseEmptySuccess), an error answer cut short.
var landedAnswers = []landedAnswer{
	{"transaction canceled without CancellationReasons", []string{"TransactWriteItems"}, func(req *http.Request, _ []byte) (*http.Response, error) {
		return canceledWith(req, nil), nil
	}, 0},
	{"transaction canceled with one reason short, the last ConditionalCheckFailed", []string{"TransactWriteItems"}, func(req *http.Request, body []byte) (*http.Response, error) {
		var in struct{ TransactItems []json.RawMessage }
		_ = json.Unmarshal(body, &in)
		reasons := make([]map[string]string, len(in.TransactItems)-1)
		for i := range reasons {
			reasons[i] = map[string]string{"Code": "None"}
		}
		if len(reasons) > 0 {
			reasons[len(reasons)-1] = map[string]string{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
		}
		return canceledWith(req, reasons), nil
	}, 0},
	{"the write's deadline passes", writeOps, func(req *http.Request, _ []byte) (*http.Response, error) {
		<-req.Context().Done()
		return nil, req.Context().Err()
	}, 2 * time.Second},
	{"200 with an empty body", writeOps, func(req *http.Request, _ []byte) (*http.Response, error) {
		return rawResponse(req, 200, "application/x-amz-json-1.0", ""), nil
	}, 0},
	{"400 error body cut short", writeOps, func(req *http.Request, _ []byte) (*http.Response, error) {
		return rawResponse(req, 400, "application/x-amz-json-1.0", `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceed`), nil
	}, 0},
	{"403 JSON naming no error", writeOps, func(req *http.Request, _ []byte) (*http.Response, error) {
		return rawResponse(req, 403, "application/json", `{"message":"Forbidden"}`), nil
	}, 0},
	{"400 naming an error DynamoDB does not have", writeOps, func(req *http.Request, _ []byte) (*http.Response, error) {
		return storetest.ErrorResponse(req, 400, "X", "x"), nil
	}, 0},
	{"400 TransactionCanceledException to a single-item write", []string{"PutItem", "UpdateItem"}, func(req *http.Request, body []byte) (*http.Response, error) {
		return storetest.TransactionCanceled(req, body, "ConditionalCheckFailed"), nil
	}, 0},
	{"400 ConditionalCheckFailedException to a transaction", []string{"TransactWriteItems"}, func(req *http.Request, _ []byte) (*http.Response, error) {
		return storetest.ErrorResponse(req, 400, "ConditionalCheckFailedException", "The conditional request failed"), nil
	}, 0},
	{"400 TransactionConflictException to a transaction", []string{"TransactWriteItems"}, func(req *http.Request, _ []byte) (*http.Response, error) {
		return storetest.ErrorResponse(req, 400, "TransactionConflictException", "Transaction is ongoing for the item"), nil
	}, 0},
}

// TestEveryWriteLandedBehindA503: every write route, its write applied by
// DynamoDB and its answer replaced by each answer that makes it 503.
// "A 503 still means the outcome is unknown to the service: retry creates
// with the same Idempotency-Key and events with the same eventId"
// (README): the first answer is 503 with Retry-After, never a write
// reported done or refused; the client's retry gets the write as it
// landed, applied once; a retry that cannot be recognised (no
// Idempotency-Key, no eventId, a cancel, an API key's create) does what
// the README says.
func TestEveryWriteLandedBehindA503(t *testing.T) {
	// Mostly waits for write deadlines: beside the other waiting tests
	// (the fault suites, after the rest). Its harnesses and hooks are its
	// own.
	t.Parallel()
	// A harness (table, hook, counter) per route and guard band, so that
	// an answer's routes run at once: the deadline's rows each wait 1.6 s.
	// They run from goroutines, not t.Parallel: -parallel is GOMAXPROCS (2
	// on CI's machine), and these rows wait, they do not compute. Each rig
	// is used by one row at a time (the answers run one after the other).
	// Only the deadline's rigs have a shorter band (2 s), whose 1.6 s
	// deadline every write of theirs gets, setups and retries too: twice
	// the 0.76 s a retry took at a load average of 9.5 (2026-12-02).
	rigsOf := map[time.Duration][]*landedRig{}
	for i := range landedAnswers {
		a := &landedAnswers[i]
		rigs := rigsOf[a.guard]
		if rigs == nil {
			rigs = []*landedRig{newLandedRig(t, a.guard)}
			for len(rigs) < len(rigs[0].routes) {
				rigs = append(rigs, newLandedRig(t, a.guard))
			}
			rigsOf[a.guard] = rigs
		}
		t.Run(a.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for j, r := range rigs {
				rt := r.routes[j]
				if !slices.Contains(a.ops, rt.op) {
					continue
				}
				wg.Go(func() {
					t.Run(rt.name, func(t *testing.T) {
						do := rt.setup(t)
						r.hits.Store(0)
						r.armed.Store(a)
						first := do()
						r.armed.Store(nil)
						if r.hits.Load() != 1 {
							t.Fatalf("%d writes met the answer; want 1", r.hits.Load())
						}
						if first.Code != http.StatusServiceUnavailable || first.Header().Get("Retry-After") == "" {
							t.Fatalf("first = %d (Retry-After %q) %s; want 503 with Retry-After", first.Code, first.Header().Get("Retry-After"), first.Body)
						}
						rt.check(t, do())
					})
				})
			}
			wg.Wait()
		})
	}
}

// landedRig is one route's harness in TestEveryWriteLandedBehindA503: its
// table, the answer armed for its next write, the writes that met it, and
// the routes (bound to this harness; the rig runs one of them).
type landedRig struct {
	armed  atomic.Pointer[landedAnswer]
	hits   atomic.Int64
	routes []landedRoute
}

// landedRoute is a write route: op the write it makes; setup makes what
// the route writes to and returns the request, sent twice (the first
// answered by the fault, the second the retry); check judges the retry's
// answer and the table.
type landedRoute struct {
	name  string
	op    string
	setup func(t *testing.T) (do func() response)
	check func(t *testing.T, retry response)
}

// newLandedRig makes a rig whose WRITE_GUARD is guard (0: the default).
func newLandedRig(t *testing.T, guard time.Duration) *landedRig {
	t.Helper()
	r := &landedRig{}
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		a := r.armed.Load()
		if a == nil || !slices.Contains(a.ops, op) || !r.armed.CompareAndSwap(a, nil) {
			return nil, nil
		}
		r.hits.Add(1)
		status, err := storetest.Apply(req)
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("the write was refused: %d", status)
		}
		return a.after(req, body)
	}}
	policy := session.DefaultPolicy
	if guard != 0 {
		policy.WriteGuard = guard
	}
	h := newHarnessPolicy(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}, policy)
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	keyWriter := h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)

	n := 0
	next := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }
	createBody := map[string]any{"amount": 5, "currency": "EUR"}
	var lastCreate string
	r.routes = []landedRoute{
		{"create with an Idempotency-Key", "TransactWriteItems", func(t *testing.T) func() response {
			key := next("idem")
			return func() response { return h.do("POST", "/sessions", merchant, createBody, "Idempotency-Key", key) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 201 || retry.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry = %d (replayed %q) %s; want 201 replayed", retry.Code, retry.Header().Get("Idempotent-Replayed"), retry.Body)
				return
			}
			if v := stored(t, h, retry.json(t)["id"].(string)); v.Version != 1 {
				t.Errorf("replayed session v%d; want v1", v.Version)
			}
		}},
		{"create without an Idempotency-Key", "PutItem", func(t *testing.T) func() response {
			return func() response { return h.do("POST", "/sessions", merchant, createBody) }
		}, func(t *testing.T, retry response) {
			// README: without a key a retry is a new create.
			if retry.Code != 201 || retry.Header().Get("Idempotent-Replayed") != "" {
				t.Errorf("retry = %d %s; want 201, a new session", retry.Code, retry.Body)
			}
		}},
		{"create a child with an Idempotency-Key", "TransactWriteItems", func(t *testing.T) func() response {
			parent := h.create("m-1", nil)
			lastCreate = parent
			key := next("idem")
			body := map[string]any{"amount": 5, "currency": "EUR", "parentSessionId": parent}
			return func() response { return h.do("POST", "/sessions", merchant, body, "Idempotency-Key", key) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 201 || retry.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry = %d (replayed %q) %s; want 201 replayed", retry.Code, retry.Header().Get("Idempotent-Replayed"), retry.Body)
				return
			}
			if p := stored(t, h, lastCreate); p.ChildSessionID != retry.json(t)["id"] {
				t.Errorf("parent links %q; want the replayed child %v", p.ChildSessionID, retry.json(t)["id"])
			}
		}},
		{"create a child without an Idempotency-Key", "TransactWriteItems", func(t *testing.T) func() response {
			parent := h.create("m-1", nil)
			lastCreate = parent
			body := map[string]any{"amount": 5, "currency": "EUR", "parentSessionId": parent}
			return func() response { return h.do("POST", "/sessions", merchant, body) }
		}, func(t *testing.T, retry response) {
			// The child landed: the parent has an open child.
			if code, _ := retry.json(t)["code"].(string); retry.Code != 409 || code != session.ReasonChildExists {
				t.Errorf("retry = %d %s; want 409 %s", retry.Code, retry.Body, session.ReasonChildExists)
			}
			if p := stored(t, h, lastCreate); p.ChildSessionID == "" || p.Version != 2 {
				t.Errorf("parent v%d links %q; want v2 with the child that landed", p.Version, p.ChildSessionID)
			}
		}},
		{"event with an eventId (PutItem)", "PutItem", func(t *testing.T) func() response {
			id := h.create("m-1", nil)
			lastCreate = id
			ev := map[string]any{"status": "AUTHORISED", "eventId": next("ev")}
			return func() response { return h.do("POST", "/sessions/"+id+"/events", proc, ev) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 200 || retry.json(t)["status"] != "AUTHORISED" {
				t.Errorf("retry = %d %s; want 200 AUTHORISED", retry.Code, retry.Body)
			}
			if v := stored(t, h, lastCreate); v.Status != session.Authorised || len(v.History) != 2 || v.Version != 2 {
				t.Errorf("session %s v%d with %d entries; want AUTHORISED once", v.Status, v.Version, len(v.History))
			}
		}},
		{"event with an eventId on a child (TransactWriteItems)", "TransactWriteItems", func(t *testing.T) func() response {
			parent := h.create("m-1", nil)
			res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
			if res.Code != 201 {
				t.Fatalf("create child = %d %s", res.Code, res.Body)
			}
			child := res.json(t)["id"].(string)
			lastCreate = child
			ev := map[string]any{"status": "AUTHORISED", "eventId": next("ev")}
			return func() response { return h.do("POST", "/sessions/"+child+"/events", proc, ev) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 200 || retry.json(t)["status"] != "AUTHORISED" {
				t.Errorf("retry = %d %s; want 200 AUTHORISED", retry.Code, retry.Body)
			}
			c := stored(t, h, lastCreate)
			if c.Status != session.Authorised || len(c.History) != 2 {
				t.Errorf("child %s with %d entries; want AUTHORISED once", c.Status, len(c.History))
			}
			if p := stored(t, h, c.ParentSessionID); p.Status != session.Authorised || len(p.History) != 2 {
				t.Errorf("parent %s with %d entries; want AUTHORISED once, with its child", p.Status, len(p.History))
			}
		}},
		{"event without an eventId", "PutItem", func(t *testing.T) func() response {
			id := h.create("m-1", nil)
			lastCreate = id
			return func() response {
				return h.do("POST", "/sessions/"+id+"/events", proc, map[string]any{"status": "AUTHORISED"})
			}
		}, func(t *testing.T, retry response) {
			// Refused, never applied twice.
			if code, _ := retry.json(t)["code"].(string); retry.Code != 409 || code != session.ReasonInvalidTransition {
				t.Errorf("retry = %d %s; want 409 %s", retry.Code, retry.Body, session.ReasonInvalidTransition)
			}
			if v := stored(t, h, lastCreate); v.Status != session.Authorised || len(v.History) != 2 {
				t.Errorf("session %s with %d entries; want AUTHORISED once", v.Status, len(v.History))
			}
		}},
		{"cancel", "PutItem", func(t *testing.T) func() response {
			id := h.create("m-1", nil)
			lastCreate = id
			return func() response { return h.do("POST", "/sessions/"+id+"/cancel", merchant, nil) }
		}, func(t *testing.T, retry response) {
			// Known: a cancel carries no id; its retry is 409.
			if retry.Code != 409 && retry.Code != 200 {
				t.Errorf("retry = %d %s; want 409 or 200", retry.Code, retry.Body)
			}
			if v := stored(t, h, lastCreate); v.Status != session.Canceled || len(v.History) != 2 {
				t.Errorf("session %s with %d entries; want CANCELED once", v.Status, len(v.History))
			}
		}},
		{"cancel a parent with a child (TransactWriteItems)", "TransactWriteItems", func(t *testing.T) func() response {
			parent := h.create("m-1", nil)
			lastCreate = parent
			if res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}); res.Code != 201 {
				t.Fatalf("create child = %d %s", res.Code, res.Body)
			}
			return func() response { return h.do("POST", "/sessions/"+parent+"/cancel", merchant, nil) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 409 && retry.Code != 200 {
				t.Errorf("retry = %d %s; want 409 or 200", retry.Code, retry.Body)
			}
			p := stored(t, h, lastCreate)
			if c := stored(t, h, p.ChildSessionID); p.Status != session.Canceled || c.Status != session.Canceled || len(p.History) != 2 || len(c.History) != 2 {
				t.Errorf("parent %s (%d entries), child %s (%d entries); want both CANCELED once", p.Status, len(p.History), c.Status, len(c.History))
			}
		}},
		{"create an API key", "PutItem", func(t *testing.T) func() response {
			return func() response {
				return h.do("POST", "/api-keys", keyWriter, map[string]any{"scopes": []string{"sessions:read"}})
			}
		}, func(t *testing.T, retry response) {
			// README: "a create retried may make a second key".
			if retry.Code != 201 {
				t.Errorf("retry = %d %s; want 201", retry.Code, retry.Body)
			}
		}},
		{"revoke an API key", "UpdateItem", func(t *testing.T) func() response {
			key := h.apiKey("m-1", auth.ScopeSessionsRead)
			lastCreate = key
			return func() response { return h.do("DELETE", "/api-keys/"+strings.Split(key, "_")[1], keyWriter, nil) }
		}, func(t *testing.T, retry response) {
			if retry.Code != 204 {
				t.Errorf("retry = %d %s; want 204", retry.Code, retry.Body)
			}
			if res := h.do("GET", "/sessions/"+h.create("m-1", nil), "", nil, "X-Api-Key", lastCreate); res.Code != 401 {
				t.Errorf("the revoked key reads = %d; want 401", res.Code)
			}
		}},
	}
	return r
}
