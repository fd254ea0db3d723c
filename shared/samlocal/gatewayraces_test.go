package samlocal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/stalltest"
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
	n := stalltest.AtOnce(t, s, append(stalltest.GatewayKinds(), stalltest.Kind{Name: "no route", Request: func() *http.Request {
		return httptest.NewRequest("POST", "/nowhere", strings.NewReader(`{}`))
	}, Status: http.StatusNotFound}), 8)
	if got := strings.Count(logs.String(), "access  "); got != n {
		t.Errorf("%d access lines; want %d, one a request", got, n)
	}
}
