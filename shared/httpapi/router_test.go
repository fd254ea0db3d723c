package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestNonCanonicalPathMatchesNoRoute: API Gateway matches routes against
// the path as sent, so a path with an empty or a dot segment reaches no
// function and gets its own 404; ServeMux would redirect it to the cleaned
// path (307, text/html) instead. Found by cmd/localapi's
// TestRequestEdgesAnswerAsOnAWS (the local server redirected, make
// start-api answered 404).
func TestNonCanonicalPathMatchesNoRoute(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := httpapi.NewRouter(httpapi.Route{Pattern: "GET /sessions/{sessionId}", Handler: ok})
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/sessions/abc", http.StatusTeapot},
		{"/sessions/%2e", http.StatusTeapot}, // an escaped dot is a segment's value, as on API Gateway
		{"/sessions/a%2Fb", http.StatusTeapot},
		{"//sessions/abc", http.StatusNotFound},
		{"/sessions//abc", http.StatusNotFound},
		{"/sessions/./abc", http.StatusNotFound},
		{"/sessions/x/../abc", http.StatusNotFound},
		{"/sessions/abc/", http.StatusNotFound},
		{"/sessions/abc/.", http.StatusNotFound},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://api.test"+tt.path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("GET %s = %d %s; want %d", tt.path, w.Code, w.Body, tt.status)
			continue
		}
		if tt.status == http.StatusNotFound && (w.Body.String() != httpapi.GatewayNotFound || w.Header().Get("Location") != "") {
			t.Errorf("GET %s = %s, Location %q; want API Gateway's %s", tt.path, w.Body, w.Header().Get("Location"), httpapi.GatewayNotFound)
		}
	}
}
