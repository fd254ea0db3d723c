package httpapi_test

import (
	"bytes"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestLogLineNamesTheRouteAsREADMESays: README ("Security"): "The request
// log line names the route pattern (`"route":"GET /sessions/{sessionId}"`;
// a 405's line the path pattern its path matched under another method,
// `"route":"/sessions/{sessionId}"`, no method; a path no route matches
// none, `"route":""`)". Without it, a 405's line reads as a path no route
// matches, and a route's refusals cannot be counted by route.
func TestLogLineNamesTheRouteAsREADMESays(t *testing.T) {
	h := newMemoryHarness(t)
	tok := h.merchantToken("m-1")
	id := h.create("m-1", nil)
	for _, tt := range []struct {
		method, path string
		status       float64
		route        string
	}{
		{"GET", "/sessions/" + id, 200, "GET /sessions/{sessionId}"},
		{"DELETE", "/sessions/" + id, 405, "/sessions/{sessionId}"},
		{"PUT", "/sessions/" + id + "/cancel", 405, "/sessions/{sessionId}/cancel"},
		{"DELETE", "/api-keys", 405, "/api-keys"},
		{"GET", "/no/such/route", 404, ""},
	} {
		line := h.requestLogLine(t, tt.method, tt.path, tok)
		if line["status"] != tt.status || line["route"] != tt.route {
			t.Errorf("%s %s: got status %v route %q; want %v %q", tt.method, tt.path, line["status"], line["route"], tt.status, tt.route)
		}
	}
}

// TestLogLineLatencyKeepsFractionsOfAMillisecond: the request line's
// latency_ms is "the time the request took, in milliseconds"
// (TestLogLineLatencyIsMeasured) to the microsecond, not cut to whole
// milliseconds: most of the service's answers take less than one (a
// refusal, a cached key), and a line that says 0 for each of them tells
// an engineer reading the logs nothing. Of five quick requests, at least
// one is logged with a fraction (the real code logs a whole number only
// when a request took an exact multiple of 1000 µs).
func TestLogLineLatencyKeepsFractionsOfAMillisecond(t *testing.T) {
	var logs bytes.Buffer
	h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "" }, httpapi.NewRouter(
		httpapi.Route{Pattern: "GET /quick", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })},
	))
	for range 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/quick", nil))
	}
	lines := logLines(t, logs.String())
	if len(lines) != 5 {
		t.Fatalf("log lines: got %d; want 5", len(lines))
	}
	var got []any
	fraction := false
	for _, l := range lines {
		got = append(got, l["latency_ms"])
		if ms, ok := l["latency_ms"].(float64); ok && ms != math.Trunc(ms) {
			fraction = true
		}
	}
	if !fraction {
		t.Errorf("latency_ms of five quick requests: got %v; want milliseconds with their fraction (microseconds)", got)
	}
}
