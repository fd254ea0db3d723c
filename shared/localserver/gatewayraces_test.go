package localserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/stalltest"
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
	const each = 8
	n := stalltest.AtOnce(t, h, append(stalltest.GatewayKinds(), stalltest.Kind{Name: "a create the function answers", Request: func() *http.Request {
		return httptest.NewRequest("POST", "/sessions", strings.NewReader(`{}`))
	}, Status: http.StatusOK}), each)
	if got := reached.Load(); got != each {
		t.Errorf("the function ran %d times; want %d (the creates only)", got, each)
	}
	if got := strings.Count(logs.String(), "\n"); got != n {
		t.Errorf("%d log lines; want %d, one a request", got, n)
	}
}
