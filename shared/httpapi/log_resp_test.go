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
