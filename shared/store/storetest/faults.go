package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
)

// Fault is a failure the FaultTransport injects.
type Fault int

// The faults. Throttle and ServerError answer without reaching DynamoDB;
// Timeout and Reset fail the connection, either before the request is sent
// or after DynamoDB has applied it (the answer is lost) — the case where a
// retried conditional write meets its own earlier success.
const (
	Throttle     Fault = iota // 400 ThrottlingException
	ServerError               // 500 InternalServerError
	Timeout                   // a timed-out connection, before sending
	Reset                     // a reset connection, before sending
	TimeoutAfter              // the request is applied, then the connection times out
	ResetAfter                // the request is applied, then the connection is reset
	numFaults
)

// String names the fault in test names and messages.
func (f Fault) String() string {
	return [...]string{"throttle", "500", "timeout", "reset", "timeout-after-send", "reset-after-send"}[f]
}

// FaultTransport is an http.RoundTripper for the SDK's DynamoDB client that
// fails a set share of requests, deterministically: with Every = n, every
// n-th request fails (Every 5: 20 %; Every 1: all), the faults taking turns
// through the kinds in Faults (all kinds if empty). Safe for concurrent use.
type FaultTransport struct {
	Next   http.RoundTripper // nil: http.DefaultTransport
	Faults []Fault
	// SpareLastAttempt never fails the last attempt of an SDK call (read
	// from the SDK's amz-sdk-request header), so that with concurrent
	// callers a fault rate below 100 % cannot, by the luck of the counter,
	// fail every attempt of one call.
	SpareLastAttempt bool

	every    atomic.Int64
	n        atomic.Int64
	injected [numFaults]atomic.Int64
}

// NewFaultTransport returns a transport that fails every n-th request (0:
// none).
func NewFaultTransport(every int, faults ...Fault) *FaultTransport {
	t := &FaultTransport{Faults: faults}
	t.SetEvery(every)
	return t
}

// SetEvery changes the share of failed requests: every n-th (0: none).
func (t *FaultTransport) SetEvery(n int) { t.every.Store(int64(n)) }

// Injected returns how many faults of each kind were injected.
func (t *FaultTransport) Injected() map[string]int64 {
	out := map[string]int64{}
	for f := Fault(0); f < numFaults; f++ {
		if n := t.injected[f].Load(); n > 0 {
			out[f.String()] = n
		}
	}
	return out
}

// Total returns the number of injected faults.
func (t *FaultTransport) Total() int64 {
	var n int64
	for f := Fault(0); f < numFaults; f++ {
		n += t.injected[f].Load()
	}
	return n
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout (injected)" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// RoundTrip sends the request or fails it.
func (t *FaultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	every := t.every.Load()
	i := t.n.Add(1)
	if every <= 0 || i%every != 0 || (t.SpareLastAttempt && lastAttempt(req)) {
		return next.RoundTrip(req)
	}
	kinds := t.Faults
	if len(kinds) == 0 {
		for f := Fault(0); f < numFaults; f++ {
			kinds = append(kinds, f)
		}
	}
	f := kinds[int(i/every)%len(kinds)]
	t.injected[f].Add(1)
	switch f {
	case Throttle:
		return ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput (injected)."), nil
	case ServerError:
		return ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
	case Timeout:
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
	case Reset:
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	case TimeoutAfter, ResetAfter:
		res, err := next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if f == TimeoutAfter {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	return nil, errors.New("unknown fault")
}

// AnswerLost sends req on through next, so DynamoDB applies it, then
// loses the answer: the connection reset as it is read. The caller cannot
// tell that the write landed.
func AnswerLost(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	res, err := next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
}

// ErrorResponse is DynamoDB's answer with an error: status, and a JSON body
// whose __type names the exception as DynamoDB does
// ("com.amazonaws.dynamodb.v20120810#" + code).
func ErrorResponse(req *http.Request, status int, code, msg string) *http.Response {
	body := fmt.Sprintf(`{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, msg)
	return response(req, status, body)
}

// Success is DynamoDB's answer 200 with the JSON body, as its fault
// transports hand one back in DynamoDB's place.
func Success(req *http.Request, body []byte) *http.Response {
	return response(req, http.StatusOK, string(body))
}

func response(req *http.Request, status int, body string) *http.Response {
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Requestid": {"injected"}},
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// lastAttempt reads the SDK's "amz-sdk-request: attempt=N; max=M" header.
func lastAttempt(req *http.Request) bool {
	var attempt, max int
	_, err := fmt.Sscanf(req.Header.Get("Amz-Sdk-Request"), "attempt=%d; max=%d", &attempt, &max)
	return err == nil && attempt >= max
}
