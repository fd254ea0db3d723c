package localserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestABodyThatCannotBeReadIsTheGatewaysAnswer: API Gateway reads a
// request's whole body before it routes it, and answers one it cannot read
// itself (samlocal.ReadBody), so no
// function sees it: a body that ends before its Content-Length (a client
// that sent 10 of its 100 bytes, then closed its side) is API Gateway's 400
// on every path, as make start-api answers it (it reads every body first).
// Before, make run gave a create's truncated body to the function, whose
// own 400 (the service's error shape, its log line naming the route) no
// AWS client can get; only a body over the service's limit, or one sent
// chunked, was read first.
func TestABodyThatCannotBeReadIsTheGatewaysAnswer(t *testing.T) {
	reached := false
	h := servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity) // the function met the failed read
		}
	}))
	const part = `{"amount":`
	// Go's server reads a body that ends before its Content-Length so.
	cut := func() io.Reader { return io.MultiReader(strings.NewReader(part), failedRead{io.ErrUnexpectedEOF}) }
	tests := []struct {
		name, method, path string
		length             int64 // the Content-Length sent; -1: chunked
		body               io.Reader
		status             int
		reached            bool
	}{
		{"a create's body cut short", "POST", "/sessions", 100, cut(), http.StatusBadRequest, false},
		{"an event's body cut short", "POST", "/sessions/s-1/events", 100, cut(), http.StatusBadRequest, false},
		{"a read's body cut short", "GET", "/sessions/s-1", 100, cut(), http.StatusBadRequest, false},
		{"a large create's body cut short", "POST", "/sessions", 100_000, cut(), http.StatusBadRequest, false},
		{"a body cut short on no route", "POST", "/nowhere", 100, cut(), http.StatusBadRequest, false},
		{"a chunked body cut short", "POST", "/sessions", -1, cut(), http.StatusBadRequest, false},
		{"a whole create", "POST", "/sessions", int64(len(part)), strings.NewReader(part), http.StatusOK, true},
		{"a whole chunked create", "POST", "/sessions", -1, strings.NewReader(part), http.StatusOK, true},
	}
	for _, tt := range tests {
		reached = false
		r := httptest.NewRequest(tt.method, tt.path, nil)
		r.Body, r.ContentLength = io.NopCloser(tt.body), tt.length
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status || reached != tt.reached {
			t.Errorf("%s: status %d, function reached %v; want %d, %v", tt.name, w.Code, reached, tt.status, tt.reached)
		}
	}
}

// failedRead is a body's read that fails with err.
type failedRead struct{ err error }

func (f failedRead) Read([]byte) (int, error) { return 0, f.err }
