package stalltest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Kind is a kind of request a server is sent at once with others: how to
// make one, and the status it must be answered.
type Kind struct {
	Name    string
	Request func() *http.Request
	Status  int
}

// GatewayKinds are the requests both local servers answer in API
// Gateway's stead without a function: a head over the quota (431), a body
// that cannot be read (400) and a path whose second decoding fails (400).
func GatewayKinds() []Kind {
	return []Kind{
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
	}
}

// cutShort is a body that ends before its Content-Length.
type cutShort struct{}

func (cutShort) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// AtOnce serves h each requests of every kind, made first and then
// released together, and checks each answer's status. It returns how many
// requests it sent. Run under the race detector, it shows a race among
// answers that every test sending them one at a time misses.
func AtOnce(t *testing.T, h http.Handler, kinds []Kind, each int) int {
	t.Helper()
	codes := make([]int, each*len(kinds))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := kinds[i%len(kinds)].Request()
			w := httptest.NewRecorder()
			<-start
			h.ServeHTTP(w, r)
			codes[i] = w.Code
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if k := kinds[i%len(kinds)]; c != k.Status {
			t.Errorf("%s (%d): status %d; want %d", k.Name, i, c, k.Status)
		}
	}
	return len(codes)
}
