package httpapi_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestUnsizedBodyTooLargeBeforeAnythingElse: docs/openapi.yaml says "The
// body of a POST is at most 64 KiB (65536 bytes); a larger one is answered
// 413 before anything else". API Gateway buffers a request's whole body
// before it invokes a function, and the Lambda adapter builds the request
// with its length, so in AWS a body sent chunked (no Content-Length) is
// refused by its size before credentials or Content-Type are looked at.
// The local server must answer the same, not 401 or 415 first.
func TestUnsizedBodyTooLargeBeforeAnythingElse(t *testing.T) {
	h := newMemoryHarness(t)
	tok := h.merchantToken("m-1")
	big := `{"amount":1,"currency":"EUR","orderId":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`
	fits := `{"amount":1,"currency":"EUR"}`
	tests := []struct {
		name, path, token, contentType, body string
		status                               int
		code                                 string
	}{
		{"no credentials", "/sessions", "", "application/json", big, 413, session.ReasonBodyTooLarge},
		{"not JSON", "/sessions", tok, "text/plain", big, 413, session.ReasonBodyTooLarge},
		{"event, no credentials", "/sessions/00000000-0000-4000-8000-000000000000/events", "", "application/json", big, 413, session.ReasonBodyTooLarge},
		{"fits, read as sent", "/sessions", tok, "application/json", fits, 201, ""},
		{"fits, no credentials", "/sessions", "", "application/json", fits, 401, session.ReasonUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// io.MultiReader hides the length: the request is unsized, as
			// one sent with Transfer-Encoding: chunked.
			r := httptest.NewRequest("POST", tt.path, io.MultiReader(strings.NewReader(tt.body)))
			r.ContentLength = -1
			r.Header.Set("Content-Type", tt.contentType)
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			res := response{w}
			if tt.code == "" {
				if res.Code != tt.status {
					t.Fatalf("got %d %s; want %d", res.Code, res.Body, tt.status)
				}
				return
			}
			wantProblem(t, res, tt.status, tt.code)
		})
	}
}
