package localserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestEventQuotaIsAtMostSixMiB: README: "an event over Lambda's 6 MiB on a
// route of the template ... is `413 {"message":"Request Entity Too
// Large"}` ... on `make run` too (it judges the event `make start-api`
// would send, `samlocal.EventSize`)". On make run's server, as on the
// stack's gateway (samlocal's TestStackEventQuotaIsAtMostSixMiB), a body whose event is
// exactly 6 MiB (6,291,456 bytes, samlocal.MaxEventSize) reaches its
// function, and one a byte longer is the 413. No test reached the edge:
// refusing only events over the quota plus one byte lived.
//
// It sizes 6 MB events about seven times and sends two, one request at a
// time: 19 s under -race on a busy machine. It runs in make test's pass
// without the detector (PLAIN_TESTS): a large body's way to its function
// beside the server's other goroutines is checked under the detector by
// TestQuotaChecksAllocateLittleMoreThanTheBody and
// TestRequestsHaveTheirFunctionsDeadline.
func TestEventQuotaIsAtMostSixMiB(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	h := servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	const path = "/sessions/s-1"
	request := func(n int) (*http.Request, []byte) {
		body := strings.Repeat("a", n)
		r := httptest.NewRequest("GET", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		return r, []byte(body)
	}
	key, params, ok := functionRoute(httpapi.Routes(httpapi.Deps{}), "GET", path)
	if !ok {
		t.Fatalf("GET %s: no function's route", path)
	}
	size := func(n int) int {
		r, body := request(n)
		return samlocal.EventSize(r, body, key, params)
	}
	// The body's length is in the event twice (its content-length
	// header's digits too): a few steps find the body that makes it 6 MiB.
	n := 6_000_000
	for range 5 {
		n += samlocal.MaxEventSize - size(n)
	}
	if got := size(n); got != samlocal.MaxEventSize {
		t.Fatalf("an event of a %d-byte body is %d bytes; want %d", n, got, samlocal.MaxEventSize)
	}
	for _, tt := range []struct {
		body, event, status int
	}{
		{n, samlocal.MaxEventSize, http.StatusOK},
		{n + 1, samlocal.MaxEventSize + 1, http.StatusRequestEntityTooLarge},
	} {
		r, _ := request(tt.body)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("an event of %d bytes: status got %d; want %d", tt.event, w.Code, tt.status)
		}
	}
}
