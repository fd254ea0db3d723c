package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Interceptor is an http.RoundTripper for the SDK's DynamoDB client that
// shows every attempt of every call to Hook before sending it, so a test can
// act at an exact point of a request (move a clock, write through another
// client) or answer in DynamoDB's place: with an error body only real
// DynamoDB produces (TransactionConflict, a transaction canceled by
// throttling), which DynamoDB Local never sends. Safe for concurrent use if
// Hook is.
type Interceptor struct {
	Next http.RoundTripper // nil: http.DefaultTransport
	// Hook sees the operation (PutItem, TransactWriteItems, …), the request
	// and its body. A non-nil response or error is the answer; nil, nil
	// sends the request on.
	Hook func(op string, req *http.Request, body []byte) (*http.Response, error)
}

// RoundTrip calls Hook, then sends the request unless Hook answered.
func (t *Interceptor) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	if t.Hook != nil {
		if res, err := t.Hook(op, req, body); res != nil || err != nil {
			return res, err
		}
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

// Apply sends req to DynamoDB, as the Interceptor would, and reads its
// answer whole: for a Hook that lets a write land and then answers in
// DynamoDB's place (an answer lost, cut short, replaced). It returns the
// status DynamoDB answered (200: the write landed).
func Apply(req *http.Request) (int, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// TransactionConflict is real DynamoDB's answer to a single-item write
// (PutItem, UpdateItem, DeleteItem) on an item a running transaction holds:
// HTTP 400, TransactionConflictException. The SDK does not retry it.
func TransactionConflict(req *http.Request) *http.Response {
	return ErrorResponse(req, http.StatusBadRequest, "TransactionConflictException", "Transaction is ongoing for the item")
}

// TransactionCanceled is real DynamoDB's answer to a TransactWriteItems or
// TransactGetItems it canceled: HTTP 400, TransactionCanceledException with
// one CancellationReason per item of the request, in order. reasons gives
// the codes of the first items ("ThrottlingError",
// "ProvisionedThroughputExceeded", "TransactionConflict",
// "ConditionalCheckFailed"); the other items' code is "None", and, as
// DynamoDB does, a "None" reason carries no message.
func TransactionCanceled(req *http.Request, body []byte, reasons ...string) *http.Response {
	var in struct{ TransactItems []json.RawMessage }
	_ = json.Unmarshal(body, &in)
	n := max(len(in.TransactItems), len(reasons))
	type reason struct {
		Code    string
		Message string `json:",omitempty"`
	}
	out := make([]reason, n)
	codes := make([]string, n)
	for i := range out {
		out[i].Code = "None"
		if i < len(reasons) {
			out[i] = reason{Code: reasons[i], Message: reasonMessages[reasons[i]]}
		}
		codes[i] = out[i].Code
	}
	b, _ := json.Marshal(map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"CancellationReasons": out,
		"Message":             fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", ")),
	})
	return response(req, http.StatusBadRequest, string(b))
}

// reasonMessages are DynamoDB's messages for the cancellation codes.
var reasonMessages = map[string]string{
	"ConditionalCheckFailed":        "The conditional request failed",
	"TransactionConflict":           "Transaction is ongoing for the item",
	"ThrottlingError":               "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html.",
	"ProvisionedThroughputExceeded": "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API",
}
