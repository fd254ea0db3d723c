package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// BenchmarkHandlerGetSession is the service's own work on a status read,
// without DynamoDB: the middleware (request id, headers, the log line),
// a credential the container verified before, the router, the handler and
// its rendering, on the in-memory store. BENCHMARKS.md sets it beside the
// SDK call a read through DynamoDB adds.
func BenchmarkHandlerGetSession(b *testing.B) {
	clock := storetest.NewClock(t0)
	h := serveStore(b, storetest.NewMemory(session.DefaultPolicy, clock.Now), clock)
	id := h.create("m-1", nil)
	req := httptest.NewRequest(http.MethodGet, "/sessions/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+h.merchantToken("m-1"))
	h.handler.ServeHTTP(httptest.NewRecorder(), req) // verifies the token once
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET = %d %s", w.Code, w.Body)
		}
	}
}
