package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestBodyLimitIsExactly64KiB: docs/openapi.yaml: "The body of a POST is at
// most 64 KiB (65536 bytes); a larger one is answered 413 before anything
// else" (README's 413 row: "body over 64 KiB … `BODY_TOO_LARGE`"). A body
// of exactly 65536 bytes is served; one byte more is 413, and its log line
// still names the route it was sent to (README: "The request log line
// names the route pattern").
func TestBodyLimitIsExactly64KiB(t *testing.T) {
	h := newMemoryHarness(t)
	tok := h.merchantToken("m-1")
	const doc = `{"amount":8800,"currency":"ZAR","orderId":"order-1"}`
	for _, tt := range []struct {
		size   int
		status int
	}{
		{65536, http.StatusCreated},
		{65537, http.StatusRequestEntityTooLarge},
	} {
		body := doc + strings.Repeat(" ", tt.size-len(doc)) // JSON white space after the value
		before := len(logLines(t, h.logs.String()))
		res := h.do("POST", "/sessions", tok, body)
		if res.Code != tt.status {
			t.Errorf("POST /sessions with %d bytes: got %d %s; want %d", tt.size, res.Code, res.Body, tt.status)
		}
		if tt.status == http.StatusRequestEntityTooLarge {
			wantProblem(t, res, tt.status, session.ReasonBodyTooLarge)
		}
		lines := logLines(t, h.logs.String())
		if len(lines) != before+1 {
			t.Fatalf("POST /sessions with %d bytes: got %d log lines; want 1", tt.size, len(lines)-before)
		}
		if got := lines[len(lines)-1]["route"]; got != "POST /sessions" {
			t.Errorf("POST /sessions with %d bytes: got log route %q; want %q", tt.size, got, "POST /sessions")
		}
	}
}
