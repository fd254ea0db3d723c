package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// dynamoFault is one way real DynamoDB (or the network in front of it)
// answers, which DynamoDB Local never does: ops names the operations it
// answers (nil: every one), answer builds the response.
type dynamoFault struct {
	name   string
	ops    []string
	answer func(req *http.Request, body []byte) *http.Response
	// status and code are what every endpoint whose DynamoDB call met the
	// fault answers (after the SDK's and the store's retries).
	status int
	code   string
}

// rawResponse is an answer with any status, content type and body, as a
// proxy, a load balancer or a connection cut short delivers it.
func rawResponse(req *http.Request, status int, contentType, body string) *http.Response {
	res := storetest.ErrorResponse(req, status, "X", "x")
	res.Header.Set("Content-Type", contentType)
	res.Body = http.NoBody
	res.ContentLength = int64(len(body))
	if body != "" {
		res.Body = io.NopCloser(strings.NewReader(body))
	}
	return res
}

// coralError is DynamoDB's error body for the exceptions of its front end,
// whose __type names the coral namespace, not DynamoDB's.
func coralError(req *http.Request, status int, code, msg string) *http.Response {
	body := fmt.Sprintf(`{"__type":"com.amazon.coral.availability#%s","message":%q}`, code, msg)
	return rawResponse(req, status, "application/x-amz-json-1.0", body)
}

// canceledWith is a TransactionCanceledException whose CancellationReasons
// are reasons as given: nil leaves the member out.
func canceledWith(req *http.Request, reasons []map[string]string) *http.Response {
	m := map[string]any{"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", "Message": "Transaction cancelled"}
	if reasons != nil {
		m["CancellationReasons"] = reasons
	}
	b, _ := json.Marshal(m)
	return rawResponse(req, 400, "application/x-amz-json-1.0", string(b))
}

var transactOps = []string{"TransactWriteItems", "TransactGetItems"}

// dynamoFaults are DynamoDB's real failure answers ("Error handling with
// DynamoDB", the developer guide's table of error codes: 400 throttling
// exceptions, 500 InternalServerError, 503 ServiceUnavailable; a
// transaction canceled with one reason per item), and answers a network in
// between can deliver (an error page, a body cut short).
var dynamoFaults = []dynamoFault{
	{"400 ProvisionedThroughputExceededException", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	}, 503, session.ReasonUnavailable},
	{"400 ThrottlingException", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")
	}, 503, session.ReasonUnavailable},
	{"400 RequestLimitExceeded", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase")
	}, 503, session.ReasonUnavailable},
	{"500 InternalServerError", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 500, "InternalServerError", "Internal server error")
	}, 503, session.ReasonUnavailable},
	{"503 ServiceUnavailable", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 503, "ServiceUnavailableException", "Service Unavailable")
	}, 503, session.ReasonUnavailable},
	{"503 with an empty body", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 503, "text/plain", "")
	}, 503, session.ReasonUnavailable},
	{"502 HTML error page", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}, 503, session.ReasonUnavailable},
	{"200 with its JSON cut short", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Item":{"pk":{"S":"SESSION#`)
	}, 503, session.ReasonUnavailable},
	// No DynamoDB answer has an empty body (a success is at least {}),
	// but the SDK reads an empty 200 as a success with nothing in it: an
	// item not found, a write done, a day with no sessions. A body lost
	// on the way (a proxy, a connection closed after the headers of an
	// answer without Content-Length) must not become a 404, a 201 or an
	// empty list.
	{"200 with an empty body", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", "")
	}, 503, session.ReasonUnavailable},
	{"200 with an empty body and no length", nil, func(req *http.Request, _ []byte) *http.Response {
		res := rawResponse(req, 200, "application/x-amz-json-1.0", "")
		res.ContentLength = -1
		res.Body = io.NopCloser(strings.NewReader(""))
		return res
	}, 503, session.ReasonUnavailable},
	// A read of two items answered with none: readable, but not
	// DynamoDB's answer (it returns one response per item asked). The
	// verdict is unknown, as for a body cut short; a retry can succeed.
	{"200 {} to a read of two items", []string{"TransactGetItems"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", "{}")
	}, 503, session.ReasonUnavailable},
	{"200 HTML", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "text/html", "<html>captive portal</html>")
	}, 503, session.ReasonUnavailable},
	// An error answer cut short: DynamoDB's verdict is unreadable, so
	// nothing says the request was ours to fix. The outcome is unknown.
	{"400 error body cut short", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 400, "application/x-amz-json-1.0", `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceed`)
	}, 503, session.ReasonUnavailable},
	// An error answer that reads as JSON but names no error (no __type,
	// no X-Amzn-ErrorType; the SDK's "UnknownError"): DynamoDB names
	// every error it answers, so this is a proxy's, and names no verdict.
	{"403 JSON naming no error", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 403, "application/json", `{"message":"Forbidden"}`)
	}, 503, session.ReasonUnavailable},
	{"400 {}", nil, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 400, "application/x-amz-json-1.0", `{}`)
	}, 503, session.ReasonUnavailable},
	{"transaction canceled: ThrottlingError", transactOps, func(req *http.Request, body []byte) *http.Response {
		return storetest.TransactionCanceled(req, body, "ThrottlingError")
	}, 503, session.ReasonUnavailable},
	{"transaction canceled: ProvisionedThroughputExceeded on the last item", transactOps, func(req *http.Request, body []byte) *http.Response {
		var in struct{ TransactItems []json.RawMessage }
		_ = json.Unmarshal(body, &in)
		reasons := make([]string, len(in.TransactItems))
		for i := range reasons {
			reasons[i] = "None"
		}
		reasons[len(reasons)-1] = "ProvisionedThroughputExceeded"
		return storetest.TransactionCanceled(req, body, reasons...)
	}, 503, session.ReasonUnavailable},
	// "If DynamoDB returns any unprocessed items, you should retry the
	// batch operation on those items" (BatchGetItem): keys left
	// unprocessed on every try make the list unavailable, never short.
	{"BatchGetItem: every key unprocessed, always", []string{"BatchGetItem"}, func(req *http.Request, body []byte) *http.Response {
		var in struct{ RequestItems map[string]json.RawMessage }
		_ = json.Unmarshal(body, &in)
		responses := map[string][]any{}
		for table := range in.RequestItems {
			responses[table] = []any{}
		}
		b, _ := json.Marshal(map[string]any{"Responses": responses, "UnprocessedKeys": in.RequestItems})
		return rawResponse(req, 200, "application/x-amz-json-1.0", string(b))
	}, 503, session.ReasonUnavailable},
	// A transaction canceled without one reason per item is not
	// DynamoDB's answer (it sends a CancellationReasons list as long as
	// the request's TransactItems): which item failed, and why, is
	// unknown, so is the verdict, as for an answer the SDK cannot read.
	{"transaction canceled without CancellationReasons", transactOps, func(req *http.Request, _ []byte) *http.Response {
		return canceledWith(req, nil)
	}, 503, session.ReasonUnavailable},
	{"transaction canceled with an empty CancellationReasons list", transactOps, func(req *http.Request, _ []byte) *http.Response {
		return canceledWith(req, []map[string]string{})
	}, 503, session.ReasonUnavailable},
	{"transaction canceled with one reason short, the last ConditionalCheckFailed", transactOps, func(req *http.Request, body []byte) *http.Response {
		var in struct{ TransactItems []json.RawMessage }
		_ = json.Unmarshal(body, &in)
		reasons := make([]map[string]string, len(in.TransactItems)-1)
		for i := range reasons {
			reasons[i] = map[string]string{"Code": "None"}
		}
		if len(reasons) > 0 {
			reasons[len(reasons)-1] = map[string]string{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
		}
		return canceledWith(req, reasons)
	}, 503, session.ReasonUnavailable},
	// A Query answered {}: readable, but real DynamoDB always sends Count
	// and Items; read as a success it is an empty day, a false 200 [].
	{"200 {} to a Query", []string{"Query"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", "{}")
	}, 503, session.ReasonUnavailable},
	// The same of a BatchGetItem: DynamoDB always sends Responses (each
	// table asked, an empty list for no item found); {} would read as
	// every listed session gone.
	{"200 {} to a BatchGetItem", []string{"BatchGetItem"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", "{}")
	}, 503, session.ReasonUnavailable},
	// Responses without the table asked reads the same: every listed
	// session gone, nothing left unprocessed.
	{"200 to a BatchGetItem with Responses empty", []string{"BatchGetItem"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Responses":{},"UnprocessedKeys":{}}`)
	}, 503, session.ReasonUnavailable},
	{"200 to a BatchGetItem with Responses of another table", []string{"BatchGetItem"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Responses":{"another-table":[]},"UnprocessedKeys":{}}`)
	}, 503, session.ReasonUnavailable},
	// An item no item DynamoDB holds could give: a list index entry
	// without the index's sort key (the index holds only items with it),
	// an item of a key not asked (DynamoDB answers only the keys asked).
	// Not DynamoDB's answer: no verdict, as a body cut short. (An item of
	// the key asked that the store cannot decode is its own data written
	// badly, 500: shared/store's TestItemsDynamoDBNeverSends.)
	{"200 Query with an item without the index's sort key", []string{"Query"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Count":1,"ScannedCount":1,"Items":[{}]}`)
	}, 503, session.ReasonUnavailable},
	{"200 BatchGetItem with an item of a key not asked", []string{"BatchGetItem"}, func(req *http.Request, body []byte) *http.Response {
		var in struct{ RequestItems map[string]json.RawMessage }
		_ = json.Unmarshal(body, &in)
		responses := map[string][]any{}
		for table := range in.RequestItems {
			responses[table] = []any{map[string]any{"pk": map[string]string{"S": "SESSION#" + notAsked}, "sk": map[string]string{"S": "SESSION"}, "id": map[string]string{"S": notAsked}}}
		}
		b, _ := json.Marshal(map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}})
		return rawResponse(req, 200, "application/x-amz-json-1.0", string(b))
	}, 503, session.ReasonUnavailable},
	{"200 GetItem with an item of another key", []string{"GetItem"}, func(req *http.Request, _ []byte) *http.Response {
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Item":{"pk":{"S":"SESSION#`+notAsked+`"},"sk":{"S":"SESSION"}}}`)
	}, 503, session.ReasonUnavailable},
	{"200 TransactGetItems with items of other keys", []string{"TransactGetItems"}, func(req *http.Request, _ []byte) *http.Response {
		item := `{"Item":{"pk":{"S":"SESSION#` + notAsked + `"},"sk":{"S":"SESSION"}}}`
		return rawResponse(req, 200, "application/x-amz-json-1.0", `{"Responses":[`+item+`,`+item+`]}`)
	}, 503, session.ReasonUnavailable},
	// An error DynamoDB does not have, or one the operation cannot
	// return (each operation's Errors in the API reference, and the
	// errors common to all), is not DynamoDB's answer: as an error naming
	// none, it gives no verdict (a write may have landed behind it).
	{"400 naming an error DynamoDB does not have", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "X", "x")
	}, 503, session.ReasonUnavailable},
	{"400 TransactionCanceledException to a single-item call", singleOps, func(req *http.Request, body []byte) *http.Response {
		return storetest.TransactionCanceled(req, body, "ConditionalCheckFailed")
	}, 503, session.ReasonUnavailable},
	{"400 ConditionalCheckFailedException to a read or a transaction", append([]string{"GetItem", "Query", "BatchGetItem"}, transactOps...), func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "ConditionalCheckFailedException", "The conditional request failed")
	}, 503, session.ReasonUnavailable},
	{"400 TransactionConflictException to a read or a transaction", append([]string{"GetItem", "Query", "BatchGetItem"}, transactOps...), func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "TransactionConflictException", "Transaction is ongoing for the item")
	}, 503, session.ReasonUnavailable},
	{"400 ResourceInUseException (table operations only)", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "ResourceInUseException", "Attempt to change a resource which is still in use")
	}, 503, session.ReasonUnavailable},
	// A ValidationError is a request DynamoDB refuses as malformed: our
	// bug, 500, in the generic body.
	{"transaction canceled: ValidationError", transactOps, func(req *http.Request, body []byte) *http.Response {
		return storetest.TransactionCanceled(req, body, "ValidationError")
	}, 500, session.ReasonInternal},
	// DynamoDB's own refusals, errors common to every operation, stay
	// what they are: a request refused, nothing written; our bug or our
	// deployment's (a table missing, a role without the permission).
	{"400 ValidationException", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 400, "ValidationException", "One or more parameter values were invalid")
	}, 500, session.ReasonInternal},
	{"400 AccessDeniedException", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 400, "AccessDeniedException", "User is not authorized to perform this action")
	}, 500, session.ReasonInternal},
	{"400 ResourceNotFoundException", nil, func(req *http.Request, _ []byte) *http.Response {
		return storetest.ErrorResponse(req, 400, "ResourceNotFoundException", "Requested resource not found")
	}, 500, session.ReasonInternal},
	// AWS's common errors at the HTTP level: a body the front end cannot
	// read, or too large, is refused whole, and every retry meets it.
	{"400 MalformedHttpRequestException", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 400, "MalformedHttpRequestException", "Unable to process the request body")
	}, 500, session.ReasonInternal},
	{"413 RequestEntityTooLargeException", nil, func(req *http.Request, _ []byte) *http.Response {
		return coralError(req, 413, "RequestEntityTooLargeException", "Request entity too large")
	}, 500, session.ReasonInternal},
}

// notAsked is a session id no request of the fault matrix reads.
const notAsked = "00000000-0000-4000-8000-00000000dead"

// singleOps are the store's single-item calls.
var singleOps = []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem"}

// TestEveryEndpointUnderDynamoDBFaults: every HTTP endpoint, each of its
// DynamoDB calls answered by each of DynamoDB's real failures. "503 with
// `Retry-After` when DynamoDB throttles past the SDK's retries" and "Never
// an internal error text, stack or SDK message" (docs/design.md §6):
// the status and code of the fault's class, Retry-After on every 503,
// document 001's own envelope on its path and a problem document
// elsewhere, no SDK or DynamoDB text in the body, and one log line per
// request, at ERROR for a 5xx, carrying the code and no credential, and,
// for on-call, the HTTP status and DynamoDB's request id of the answer
// that failed the request (its x-amzn-RequestId), whatever the answer.
func TestEveryEndpointUnderDynamoDBFaults(t *testing.T) {
	// Mostly waits for the SDK's back-off: beside the other waiting tests.
	t.Parallel()
	var fault atomic.Pointer[dynamoFault]
	var answered, lastStatus atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		f := fault.Load()
		if f == nil || f.ops != nil && !slices.Contains(f.ops, op) {
			return nil, nil
		}
		answered.Add(1)
		res := f.answer(req, body)
		lastStatus.Store(int64(res.StatusCode))
		return res, nil
	}}
	// Two attempts: the SDK's retry is exercised, and the matrix stays
	// quick; what is answered after the retries is the same with five.
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 2})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	reader := newDialectReader(h, "m-1")
	parent := h.create("m-1", nil)
	res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	if res.Code != 201 {
		t.Fatalf("create child = %d %s", res.Code, res.Body)
	}
	lone := h.create("m-1", nil)
	keyWriter := h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)
	revokable := strings.Split(h.apiKey("m-1", auth.ScopeSessionsRead), "_")[1]
	day := h.clock.Now().Format(time.DateOnly)
	keySecret := reader.key[strings.LastIndex(reader.key, "_")+1:]
	secrets := []string{merchant, proc, reader.key, keySecret, reader.tokens["read"], reader.tokens["payment"], reader.tokens["user"], keyWriter}

	type request struct {
		name string
		do   func() response
	}
	requests := []request{
		{"create", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"})
		}},
		{"create idempotent", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", fmt.Sprintf("k-%p", fault.Load()))
		}},
		{"create child", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": lone})
		}},
		{"get", func() response { return h.do("GET", "/sessions/"+parent, reader.tokens["read"], nil) }},
		{"event", func() response {
			return h.do("POST", "/sessions/"+lone+"/events", proc, map[string]any{"status": "PROCESSING", "eventId": "e-1"})
		}},
		{"event on a parent", func() response {
			return h.do("POST", "/sessions/"+parent+"/events", proc, map[string]any{"status": "AUTHORISED", "eventId": "e-2"})
		}},
		{"cancel", func() response { return h.do("POST", "/sessions/"+lone+"/cancel", merchant, nil) }},
		{"cancel a parent", func() response { return h.do("POST", "/sessions/"+parent+"/cancel", merchant, nil) }},
		{"000", func() response { return h.do("GET", "/v1/session/"+parent, reader.tokens["read"], nil) }},
		{"001", func() response {
			return h.do("GET", "/v2.0/payments/"+parent+"/status", reader.tokens["payment"], nil)
		}},
		{"002", func() response { return h.do("GET", "/payment-sessions/"+parent, "", nil, "X-Api-Key", reader.key) }},
		{"003", func() response {
			return h.do("GET", "/v1/checkout-sessions/"+parent, reader.tokens["user"], nil, "X-Merchant-Id", "m-1")
		}},
		{"004", func() response { return h.do("GET", "/pps/api/v1/session-record/"+parent, reader.tokens["read"], nil) }},
		{"004 list", func() response {
			return h.do("GET", "/pps/api/v1/session-record?createdDate="+day, reader.tokens["read"], nil)
		}},
		{"create API key", func() response {
			return h.do("POST", "/api-keys", keyWriter, map[string]any{"scopes": []string{"sessions:read"}})
		}},
		{"revoke API key", func() response { return h.do("DELETE", "/api-keys/"+revokable, keyWriter, nil) }},
	}

	leaks := []string{"dynamodb", "DynamoDB", "Throttl", "Exception", "operation error", "api error", "deserializ", "RequestID", "coral", "__type", "SESSION#", "html", "Transaction"}
	routesHit := map[string]bool{}
	for i := range dynamoFaults {
		f := &dynamoFaults[i]
		t.Run(f.name, func(t *testing.T) {
			for _, rq := range requests {
				before := len(h.logs.String())
				answered.Store(0)
				fault.Store(f)
				res := rq.do()
				fault.Store(nil)
				if answered.Load() == 0 {
					if res.Code >= 500 {
						t.Errorf("%s = %d %s without meeting the fault", rq.name, res.Code, res.Body)
					}
					continue // the request made no call the fault answers
				}
				routesHit[rq.name] = true
				body := res.Body.String()
				if res.Code != f.status {
					t.Errorf("%s = %d %s; want %d", rq.name, res.Code, body, f.status)
					continue
				}
				if rq.name == "001" {
					var env struct {
						Message       string `json:"message"`
						Notifications []struct{ Code string }
						Data          json.RawMessage `json:"data"`
					}
					if err := json.Unmarshal(res.Body.Bytes(), &env); err != nil || string(env.Data) != "null" || len(env.Notifications) != 1 || env.Notifications[0].Code != f.code {
						t.Errorf("001 = %s; want document 001's envelope with code %s", body, f.code)
					}
				} else {
					var p struct{ Code string }
					if ct := res.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(res.Body.Bytes(), &p) != nil || p.Code != f.code {
						t.Errorf("%s = %s %s; want a problem document with code %s", rq.name, ct, body, f.code)
					}
				}
				if got := res.Header().Get("Retry-After"); (res.Code == 503) != (got != "") {
					t.Errorf("%s = %d with Retry-After %q; want it on a 503 and only there", rq.name, res.Code, got)
				}
				if cc := res.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("%s: Cache-Control %q; want no-store", rq.name, cc)
				}
				for _, leak := range leaks {
					if strings.Contains(body, leak) {
						t.Errorf("%s: body %s shows %q", rq.name, body, leak)
					}
				}
				lines := logLines(t, h.logs.String()[before:])
				if len(lines) != 1 {
					t.Errorf("%s: %d log lines; want 1", rq.name, len(lines))
					continue
				}
				line := lines[0]
				wantLevel := "INFO"
				if res.Code >= 500 {
					wantLevel = "ERROR"
				}
				if line["level"] != wantLevel || line["code"] != f.code || line["status"] != float64(res.Code) {
					t.Errorf("%s: log line %v; want level %s, code %s, status %d", rq.name, line, wantLevel, f.code, res.Code)
				}
				// Every fault's answer carries X-Amzn-Requestid: injected
				// (storetest.ErrorResponse).
				if want := fmt.Sprintf("StatusCode: %d, RequestID: injected", lastStatus.Load()); res.Code >= 500 && !strings.Contains(fmt.Sprint(line["error"]), want) {
					t.Errorf("%s: ERROR line's error %q; want DynamoDB's status and request id (%s)", rq.name, line["error"], want)
				}
				raw, _ := json.Marshal(line)
				for _, s := range secrets {
					if strings.Contains(string(raw), s) {
						t.Errorf("%s: log line %s holds a credential", rq.name, raw)
					}
				}
			}
		})
	}
	for _, rq := range requests {
		if !routesHit[rq.name] {
			t.Errorf("%s never met a fault: the matrix tests nothing there", rq.name)
		}
	}
	// Nothing was half written or written twice: parent and child agree
	// (a write to either is a transaction with the other), and every
	// version is one history entry (the parent's link to its child aside).
	p := stored(t, h, parent)
	c := stored(t, h, p.ChildSessionID)
	if p.Version != int64(len(p.History))+1 || c.Version != int64(len(c.History)) {
		t.Errorf("parent v%d with %d entries, child v%d with %d: a write applied twice or half", p.Version, len(p.History), c.Version, len(c.History))
	}
	if p.Status.Open() != c.Status.Open() && c.Status.Open() {
		t.Errorf("parent %s beside an open child %s: half a transaction", p.Status, c.Status)
	}
}

// TestMoneyNeverMovesTwiceAfterAnAmbiguousCommit: a processor's AUTHORISED
// and SETTLED that DynamoDB applied but whose every answer was lost, the
// SDK's retries included, are 503 (the service cannot know); the
// processor's retry with the same eventId gets the change as applied, and
// one without it is refused: the money is entered once. "A decision is
// final once any endpoint has reported it" (docs/design.md §4): the
// readers see the status the retry reports.
func TestMoneyNeverMovesTwiceAfterAnAmbiguousCommit(t *testing.T) {
	for _, family := range []bool{false, true} {
		t.Run(map[bool]string{false: "a lone session (PutItem)", true: "a child moving its parent (TransactWriteItems)"}[family], func(t *testing.T) {
			faults := storetest.NewFaultTransport(0, storetest.TimeoutAfter, storetest.ResetAfter)
			h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}, MaxAttempts: 3})
			merchant := h.merchantToken("m-1")
			proc := h.processorToken()
			id := h.create("m-1", nil)
			parent := ""
			if family {
				parent = id
				res := h.do("POST", "/sessions", merchant, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
				if res.Code != 201 {
					t.Fatalf("create child = %d %s", res.Code, res.Body)
				}
				id = res.json(t)["id"].(string)
			}
			for i, status := range []string{"AUTHORISED", "SETTLED"} {
				ev := map[string]any{"status": status, "eventId": fmt.Sprintf("money-%d", i)}
				faults.SetEvery(1)
				res := h.do("POST", "/sessions/"+id+"/events", proc, ev)
				faults.SetEvery(0)
				if res.Code != http.StatusServiceUnavailable || res.Header().Get("Retry-After") == "" {
					t.Fatalf("%s with every answer lost = %d %s; want 503 with Retry-After", status, res.Code, res.Body)
				}
				retry := h.do("POST", "/sessions/"+id+"/events", proc, ev)
				if retry.Code != 200 || retry.json(t)["status"] != status {
					t.Fatalf("%s retried with its eventId = %d %s; want 200 %s", status, retry.Code, retry.Body, status)
				}
				// Without its eventId the retry is refused, never applied
				// again: 409 (a child's names its parent, closed by the
				// child's own money: PARENT_CLOSED).
				delete(ev, "eventId")
				again := h.do("POST", "/sessions/"+id+"/events", proc, ev)
				if code, _ := again.json(t)["code"].(string); again.Code != 409 || code != session.ReasonInvalidTransition && !(family && code == session.ReasonParentClosed) {
					t.Errorf("%s resent without its eventId = %d %s; want 409", status, again.Code, again.Body)
				}
			}
			for _, sid := range []string{id, parent} {
				if sid == "" {
					continue
				}
				v := stored(t, h, sid)
				n := map[session.Status]int{}
				for _, c := range v.History {
					n[c.Status]++
				}
				if v.Status != session.Settled || n[session.Authorised] != 1 || n[session.Settled] != 1 {
					t.Errorf("%s = %s, history %v; want SETTLED with AUTHORISED and SETTLED once each", sid, v.Status, n)
				}
				if got := h.do("GET", "/sessions/"+sid, merchant, nil).json(t)["status"]; got != "SETTLED" {
					t.Errorf("GET %s = %v; want SETTLED", sid, got)
				}
			}
			if faults.Total() == 0 {
				t.Errorf("no fault injected: the test tests nothing")
			}
		})
	}
}

// TestMoneyAppliedBehindA500: DynamoDB's InternalServerError may come back
// for a write it applied ("the operation may or may not have succeeded").
// The SDK retries it; the retry meets the write itself. AUTHORISED and
// SETTLED answered so on their first try are 200 at once, entered once.
func TestMoneyAppliedBehindA500(t *testing.T) {
	for _, family := range []bool{false, true} {
		t.Run(map[bool]string{false: "a lone session (PutItem)", true: "a child moving its parent (TransactWriteItems)"}[family], func(t *testing.T) {
			var armed atomic.Bool
			var hits atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if (op != "PutItem" && op != "TransactWriteItems") || !armed.CompareAndSwap(true, false) {
					return nil, nil
				}
				hits.Add(1)
				res, err := http.DefaultTransport.RoundTrip(req) // applied
				if err != nil {
					return nil, err
				}
				res.Body.Close()
				return storetest.ErrorResponse(req, 500, "InternalServerError", "Internal server error"), nil
			}}
			h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			proc := h.processorToken()
			id := h.create("m-1", nil)
			if family {
				res := h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": id})
				id = res.json(t)["id"].(string)
			}
			for _, ev := range []map[string]any{{"status": "AUTHORISED"}, {"status": "SETTLED", "eventId": "s-1"}} {
				armed.Store(true)
				res := h.do("POST", "/sessions/"+id+"/events", proc, ev)
				if res.Code != 200 || res.json(t)["status"] != ev["status"] {
					t.Errorf("%s applied behind a 500 = %d %s; want 200", ev["status"], res.Code, res.Body)
				}
			}
			if hits.Load() != 2 {
				t.Fatalf("%d writes met the 500; want 2", hits.Load())
			}
			v := stored(t, h, id)
			if v.Status != session.Settled || len(v.History) != 3 || v.Version != 3 {
				t.Errorf("%s: %s with %d entries, v%d; want SETTLED after CREATED, AUTHORISED, each once", id, v.Status, len(v.History), v.Version)
			}
		})
	}
}

// TestWriteLandedBehindAnEmptyAnswer: a write DynamoDB applied whose answer
// arrived with an empty body (lost on the way) is 503 with Retry-After,
// the outcome being unknown to the service, and the client's retry with
// its Idempotency-Key or eventId gets the write as it landed, applied once.
func TestWriteLandedBehindAnEmptyAnswer(t *testing.T) {
	var armed atomic.Bool
	var hits atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "PutItem" && op != "UpdateItem" && op != "TransactWriteItems" || !armed.CompareAndSwap(true, false) {
			return nil, nil
		}
		hits.Add(1)
		res, err := http.DefaultTransport.RoundTrip(req) // applied
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return rawResponse(req, 200, "application/x-amz-json-1.0", ""), nil
	}}
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	merchant := h.merchantToken("m-1")
	proc := h.processorToken()
	keyWriter := h.token("m-1", auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)
	parent := h.create("m-1", nil)
	lone := h.create("m-1", nil)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)

	var child string
	tests := []struct {
		name string
		do   func() response
		want int
		// check is run on the retry's answer.
		check func(t *testing.T, first, retry response)
	}{
		{"create with a key", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 5, "currency": "EUR"}, "Idempotency-Key", "empty-1")
		}, 201, func(t *testing.T, _, retry response) {
			if retry.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry not a replay: the session made twice")
			}
		}},
		{"create a child with a key", func() response {
			return h.do("POST", "/sessions", merchant, map[string]any{"amount": 5, "currency": "EUR", "parentSessionId": parent}, "Idempotency-Key", "empty-2")
		}, 201, func(t *testing.T, _, retry response) {
			child, _ = retry.json(t)["id"].(string)
			if p := stored(t, h, parent); p.ChildSessionID != child || retry.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("parent links %q, retry %s (replayed %q); want the child linked, replayed", p.ChildSessionID, child, retry.Header().Get("Idempotent-Replayed"))
			}
		}},
		{"event (PutItem)", func() response {
			return h.do("POST", "/sessions/"+lone+"/events", proc, map[string]any{"status": "AUTHORISED", "eventId": "empty-3"})
		}, 200, func(t *testing.T, _, retry response) {
			if v := stored(t, h, lone); v.Status != session.Authorised || len(v.History) != 2 {
				t.Errorf("%s = %s with %d entries; want AUTHORISED once", lone, v.Status, len(v.History))
			}
		}},
		{"event on a child (TransactWriteItems)", func() response {
			return h.do("POST", "/sessions/"+child+"/events", proc, map[string]any{"status": "AUTHORISED", "eventId": "empty-4"})
		}, 200, func(t *testing.T, _, retry response) {
			if v := stored(t, h, child); v.Status != session.Authorised || len(v.History) != 2 {
				t.Errorf("child = %s with %d entries; want AUTHORISED once", v.Status, len(v.History))
			}
			if p := stored(t, h, parent); p.Status != session.Authorised {
				t.Errorf("parent = %s; want AUTHORISED with its child", p.Status)
			}
		}},
		{"revoke an API key", func() response {
			return h.do("DELETE", "/api-keys/"+strings.Split(key, "_")[1], keyWriter, nil)
		}, 204, func(t *testing.T, _, _ response) {
			if res := h.do("GET", "/sessions/"+lone, "", nil, "X-Api-Key", key); res.Code != 401 {
				t.Errorf("the revoked key reads = %d; want 401", res.Code)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			armed.Store(true)
			first := tt.do()
			armed.Store(false)
			if hits.Load() != 1 {
				t.Fatalf("%d writes met the empty answer; want 1", hits.Load())
			}
			if first.Code != http.StatusServiceUnavailable || first.Header().Get("Retry-After") == "" {
				t.Fatalf("answer emptied = %d (Retry-After %q) %s; want 503 with Retry-After", first.Code, first.Header().Get("Retry-After"), first.Body)
			}
			retry := tt.do()
			if retry.Code != tt.want {
				t.Fatalf("retry = %d %s; want %d", retry.Code, retry.Body, tt.want)
			}
			tt.check(t, first, retry)
		})
	}
}
