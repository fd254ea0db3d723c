package httpapi_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestConcurrentPanicsAreEachALogged500: requests that panic at once, beside
// others that answer, each get their 500 and their one ERROR line, under the
// race detector. The panic recovery ran only one request at a time in every
// other test, so a race in it (state it shared across requests) went unseen.
func TestConcurrentPanicsAreEachALogged500(t *testing.T) {
	const n = 16
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := httpapi.Middleware(logger, func(r *http.Request) string { return r.Header.Get("X-Test-Id") }, httpapi.NewRouter(
		httpapi.Route{Pattern: "GET /boom", Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom")
		})},
		httpapi.Route{Pattern: "GET /fine", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})},
	))
	recs := make([]*httptest.ResponseRecorder, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/boom"
			if i%2 == 1 {
				path = "/fine"
			}
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("X-Test-Id", fmt.Sprintf("req-%d", i))
			w := httptest.NewRecorder()
			<-start
			h.ServeHTTP(w, r)
			recs[i] = w
		}()
	}
	close(start)
	wg.Wait()
	for i, w := range recs {
		if i%2 == 0 {
			wantProblem(t, response{w}, 500, session.ReasonInternal)
		} else if w.Code != http.StatusNoContent {
			t.Errorf("request %d: %d; want 204", i, w.Code)
		}
	}
	seen := map[string]int{}
	for _, l := range logLines(t, logs.String()) {
		id, _ := l["request_id"].(string)
		seen[id]++
		var i int
		fmt.Sscanf(id, "req-%d", &i)
		if boom := i%2 == 0; boom != (l["level"] == "ERROR") || boom && !strings.Contains(fmt.Sprint(l["error"]), "boom") {
			t.Errorf("line %v: level or error not those of its request", l)
		}
	}
	for i := range 2 * n {
		if id := fmt.Sprintf("req-%d", i); seen[id] != 1 {
			t.Errorf("%s: %d log lines; want 1", id, seen[id])
		}
	}
}
