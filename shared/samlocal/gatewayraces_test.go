package samlocal

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestGatewayAnswersAtOnce: make start-api's gateway answers requests that
// arrive at once in its own stead (the 431 of a head over the quota, the
// 400 of a body that cannot be read and of a path whose second decoding
// fails, the 404 of a path no route takes), each with its own status and
// its one access line, under the race detector. Every other test sends
// these one at a time, so a race among them (state they share across
// requests: the access log's) went unseen.
func TestGatewayAnswersAtOnce(t *testing.T) {
	logs := &syncBuffer{}
	s := &Stack{Template: &Template{AccessLogFormat: `{"status":"$context.status","errorMessage":"$context.error.message"}`},
		router: &router{}, log: logs, bodyTimeout: DefaultBodyTimeout}
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
			r.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"amount":`), cutShort{}))
			r.ContentLength = 100
			return r
		}, http.StatusBadRequest},
		{"second decoding fails", func() *http.Request {
			return httptest.NewRequest("GET", "/sessions/%25", nil)
		}, http.StatusBadRequest},
		{"no route", func() *http.Request {
			return httptest.NewRequest("POST", "/nowhere", strings.NewReader(`{}`))
		}, http.StatusNotFound},
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
			s.ServeHTTP(w, r)
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
	if n := strings.Count(logs.String(), "access  "); n != len(codes) {
		t.Errorf("%d access lines; want %d, one a request", n, len(codes))
	}
}

// cutShort is a body that ends before its Content-Length.
type cutShort struct{}

func (cutShort) Read([]byte) (int, error) { return 0, errors.New("unexpected EOF") }
