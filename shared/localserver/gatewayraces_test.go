package localserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestGatewayAnswersAtOnce: API Gateway's own answers given in its stead
// (the 431 of a head over the quota, the 400 of a body that cannot be read
// and of a path whose second decoding fails) to requests that arrive at
// once, beside requests a function answers, each with its own status and
// its one log line, under the race detector. Every other test sends them
// one at a time, so a race among these answers (state they share across
// requests) went unseen.
func TestGatewayAnswersAtOnce(t *testing.T) {
	var logs syncBuffer
	var reached atomic.Int64
	h := servedAndLoggedWithin(t, samlocal.DefaultBodyTimeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
	}), &logs)
	kinds := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"head over the quota", func() *http.Request {
			r := httptest.NewRequest("GET", "/sessions/s-1", nil)
			r.Header.Set("X-Pad", strings.Repeat("a", 10241))
			return r
		}, http.StatusRequestHeaderFieldsTooLarge},
		{"body cut short", func() *http.Request {
			r := httptest.NewRequest("POST", "/sessions", nil)
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"amount":`), failedRead{io.ErrUnexpectedEOF}))
			r.ContentLength = 100
			return r
		}, http.StatusBadRequest},
		{"second decoding fails", func() *http.Request {
			return httptest.NewRequest("GET", "/sessions/%25", nil)
		}, http.StatusBadRequest},
		{"a create the function answers", func() *http.Request {
			return httptest.NewRequest("POST", "/sessions", strings.NewReader(`{}`))
		}, http.StatusOK},
	}
	const each = 8
	codes := make([]int, each*len(kinds))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kinds[i%len(kinds)].req()
			w := httptest.NewRecorder()
			<-start
			h.ServeHTTP(w, r)
			codes[i] = w.Code
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if k := kinds[i%len(kinds)]; c != k.status {
			t.Errorf("%s (%d): status %d; want %d", k.name, i, c, k.status)
		}
	}
	if n := reached.Load(); n != each {
		t.Errorf("the function ran %d times; want %d (the creates only)", n, each)
	}
	if n := strings.Count(logs.String(), "\n"); n != len(codes) {
		t.Errorf("%d log lines; want %d, one a request", n, len(codes))
	}
}
