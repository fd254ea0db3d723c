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
	// README, "which API Gateway matches as sent and the local server does
	// not redirect": a path that is not rooted ("sessions/abc", which
	// ServeMux would clean to a route's "/sessions/abc" and redirect to,
	// 301; "*"; the empty path of an absolute-form target) matches no
	// route either. No front end delivers one (net/http refuses it, the
	// Lambda adapter roots it), so the request is made by hand.
	for _, p := range []string{"sessions/abc", "*", ""} {
		r := httptest.NewRequest(http.MethodGet, "http://api.test/", nil)
		r.URL.Path, r.URL.RawPath = p, ""
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNotFound || w.Body.String() != httpapi.GatewayNotFound || w.Header().Get("Location") != "" {
			t.Errorf("GET %q: got %d %s, Location %q; want 404 %s, no Location", p, w.Code, w.Body, w.Header().Get("Location"), httpapi.GatewayNotFound)
		}
	}
}

// TestGatewayPathIsWhatAWSDelivers holds GatewayPath to live captures of
// payload format 2.0 events from an HTTP API (hotsock/voker,
// vokerhttp/testdata/ingress-paths.json: the path sent and the rawPath
// delivered, or "httpAPIRejected" where API Gateway answered 400), and to
// the routing inferred from them (the captures' API has only $default, so
// the routed column is this package's decision, not a capture).
func TestGatewayPathIsWhatAWSDelivers(t *testing.T) {
	tests := []struct {
		sent, routed, raw string
		refused           bool
	}{
		// The captures, sent path to rawPath.
		{sent: "/capture/plain", routed: "/capture/plain", raw: "/capture/plain"},
		{sent: "/capture/space%20value", routed: "/capture/space value", raw: "/capture/space value"},
		{sent: "/capture/question%3Fvalue", routed: "/capture/question", raw: "/capture/question"},
		{sent: "/capture/percent%25done", refused: true},
		{sent: "/capture/hash%23value", routed: "/capture/hash#value", raw: "/capture/hash#value"},
		{sent: "/capture/slash%2Fvalue", routed: "/capture/slash/value", raw: "/capture/slash/value"},
		{sent: "/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C", routed: "/capture/unicode-λ-世界", raw: "/capture/unicode-λ-世界"},
		{sent: "/capture/literal%252Fvalue", routed: "/capture/literal%2Fvalue", raw: "/capture/literal/value"},
		{sent: "/capture/literal%253Fvalue", routed: "/capture/literal%3Fvalue", raw: "/capture/literal?value"},
		{sent: "/capture/literal%2525value", routed: "/capture/literal%25value", raw: "/capture/literal%value"},
		// Lower-case hex decodes as upper-case does; a bare % is refused.
		{sent: "/sessions/a%2db", routed: "/sessions/a-b", raw: "/sessions/a-b"},
		{sent: "/sessions/100%", refused: true},
		{sent: "/sessions/%zz", refused: true},
		{sent: "/sessions/%3F", routed: "/sessions/", raw: "/sessions/"},
	}
	for _, tt := range tests {
		routed, raw, ok := httpapi.GatewayPath(tt.sent)
		if ok == tt.refused || routed != tt.routed || raw != tt.raw {
			t.Errorf("GatewayPath(%q) = %q, %q, %v; want %q, %q, %v", tt.sent, routed, raw, ok, tt.routed, tt.raw, !tt.refused)
		}
	}
}
