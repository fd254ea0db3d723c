package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// conflictProxy stands between the server and DynamoDB Local: it passes
// every call through but those of one operation, which it answers as real
// DynamoDB answers a write that meets a running transaction: a PutItem
// with TransactionConflictException, a TransactWriteItems canceled with
// TransactionConflict as the reason of its last item (an Idempotency-Key's
// record, when the create has one) and None for the others. DynamoDB Local
// does not hold items for running transactions, so these answers are
// reached only so.
type conflictProxy struct {
	next http.Handler
	op   atomic.Pointer[string]
}

func (p *conflictProxy) set(op string) { p.op.Store(&op) }

func (p *conflictProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if want := p.op.Load(); want == nil || *want != op {
		p.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	answer := map[string]any{"message": "Transaction is ongoing for the item"}
	switch op {
	case "PutItem":
		answer["__type"] = "com.amazonaws.dynamodb.v20120810#TransactionConflictException"
	case "TransactWriteItems":
		var in struct{ TransactItems []json.RawMessage }
		_ = json.NewDecoder(bytes.NewReader(body)).Decode(&in)
		reasons := make([]map[string]string, len(in.TransactItems))
		for i := range reasons {
			reasons[i] = map[string]string{"Code": "None"}
		}
		if len(reasons) > 0 {
			reasons[len(reasons)-1] = map[string]string{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
		}
		answer["__type"] = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
		answer["message"] = "Transaction cancelled, please refer cancellation reasons for specific reasons"
		answer["CancellationReasons"] = reasons
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(answer)
}

// TestOpenAPIConflictAnswers: the 409s TestOpenAPIMatchesRealResponses
// never produces, each validated against the response the document names
// for it (its code enum included), on the local server. Its coverage
// table counts statuses, and each operation's 409 is seen there with
// another code (IDEMPOTENCY_KEY_REUSED, SESSION_EXPIRED,
// INVALID_TRANSITION), so a code missing from a response's enum went
// unnoticed: README's Errors table, "409 | ... lost race, idempotency key
// reused or still in use, session full, money on a child under a closed
// parent". Lost races are made by the proxy above: five conflicts in a
// row are CONCURRENT_UPDATE ("up to 5 attempts; then 409
// `CONCURRENT_UPDATE`"), and a create whose last attempt met another
// holding its Idempotency-Key is IDEMPOTENCY_KEY_IN_USE, after which the
// key is still free ("a failed (4xx) request does not use up its key").
// SESSION_TOO_LARGE needs about 90 events of 60 KB: checked by hand
// (r89-openapi), not here.
func TestOpenAPIConflictAnswers(t *testing.T) {
	storetest.RequireEngine(t)
	doc := loadSpec(t)
	engine, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := &conflictProxy{next: storetest.ReverseProxy(engine)}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	base := apitarget.Start(t, apitarget.Local, apitarget.Options{Env: map[string]string{"DYNAMODB_ENDPOINT": srv.URL}}).URL
	c := newChecker(t, doc, base, &coverage{seen: map[coverKey]int{}})
	tok := mint(t, base, "merchant_id=m-1")
	proc := mint(t, base, "merchant_id=&scope=sessions:process")
	create := func(body string) string {
		t.Helper()
		return c.do(t, exchange{name: "create", method: "POST", path: "/sessions", header: bearer(tok), body: body, status: 201}).str("id")
	}
	event := func(name, id, body string, status int, code string) {
		t.Helper()
		c.do(t, exchange{name: name, method: "POST", path: "/sessions/" + id + "/events", header: bearer(proc), body: body, status: status, code: code})
	}
	cancel := func(name, id string, status int, code string) {
		t.Helper()
		c.do(t, exchange{name: name, method: "POST", path: "/sessions/" + id + "/cancel", header: bearer(tok), status: status, code: code})
	}

	// Money on a child under a parent whose merchant asked to cancel it.
	parent := create(`{"amount":1,"currency":"EUR"}`)
	child := create(`{"amount":1,"currency":"EUR","parentSessionId":"` + parent + `"}`)
	event("child authorised", child, `{"status":"AUTHORISED"}`, 200, "")
	cancel("parent's cancel request", parent, 200, "")
	event("child settles under a parent whose cancel was asked", child, `{"status":"SETTLED"}`, 409, "PARENT_CLOSED")

	// A full history: events between open statuses stop at 90 entries.
	full := create(`{"amount":1,"currency":"EUR"}`)
	for range 89 {
		if st, _, b := postUnchecked(t, base, "/sessions/"+full+"/events", proc, `{"status":"PROCESSING"}`); st != 200 {
			t.Fatalf("event = %d %s", st, b)
		}
	}
	event("open event at 90 entries", full, `{"status":"PROCESSING"}`, 409, "HISTORY_FULL")

	id := create(`{"amount":1,"currency":"EUR"}`)
	other := create(`{"amount":1,"currency":"EUR"}`)
	proxy.set("PutItem")
	c.do(t, exchange{name: "create losing every race", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR"}`, status: 409, code: "CONCURRENT_UPDATE"})
	event("event losing every race", id, `{"status":"PROCESSING"}`, 409, "CONCURRENT_UPDATE")
	cancel("cancel losing every race", id, 409, "CONCURRENT_UPDATE")
	proxy.set("TransactWriteItems")
	key := bearer(tok, "Idempotency-Key", "held-by-another")
	c.do(t, exchange{name: "create whose key another holds", method: "POST", path: "/sessions", header: key, body: `{"amount":1,"currency":"EUR"}`, status: 409, code: "IDEMPOTENCY_KEY_IN_USE"})
	c.do(t, exchange{name: "child's create losing every race", method: "POST", path: "/sessions", header: bearer(tok), body: `{"amount":1,"currency":"EUR","parentSessionId":"` + other + `"}`, status: 409, code: "CONCURRENT_UPDATE"})
	proxy.set("")
	c.do(t, exchange{name: "the key is still free", method: "POST", path: "/sessions", header: key, body: `{"amount":1,"currency":"EUR"}`, status: 201})
}

// postUnchecked posts body to path with token, unvalidated (a setup step).
func postUnchecked(t *testing.T, base, path, token, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}
