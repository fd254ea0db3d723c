package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestAnswerThatCannotBeEncodedIsAnInternalError: an answer the handler
// cannot encode (only a programming error makes one) is the request's
// error, as any other: logged at ERROR with its cause and code (README,
// "Errors": "500 | a bug … logged with the request id, no detail
// returned"), and answered in the endpoint's own error shape (document
// 001's envelope on its path). It was answered problem+json on every path,
// and its line was an INFO line of status 500 with no error: the cause was
// dropped.
func TestAnswerThatCannotBeEncodedIsAnInternalError(t *testing.T) {
	for _, tt := range []struct {
		name     string
		errors   errorWriter
		wantType string
	}{
		{"problem+json", writeProblem, "application/problem+json"},
		{"document 001's envelope", writeEnvelope, contentTypeJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" },
				handle(func(w http.ResponseWriter, r *http.Request) error {
					return respond(w, http.StatusOK, map[string]any{"c": make(chan int)})
				}, tt.errors))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))

			if got, want := rec.Code, http.StatusInternalServerError; got != want {
				t.Errorf("status = %v; want %v", got, want)
			}
			if got, want := rec.Header().Get("Content-Type"), tt.wantType; got != want {
				t.Errorf("Content-Type = %v; want %v", got, want)
			}
			var line struct {
				Level, Code, Error string
			}
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", logs.String(), err)
			}
			if got, want := line.Level, "ERROR"; got != want {
				t.Errorf("log line level = %v; want %v", got, want)
			}
			if got, want := line.Code, session.ReasonInternal; got != want {
				t.Errorf("log line code = %v; want %v", got, want)
			}
			if line.Error == "" {
				t.Errorf("log line error = %q; want the encoding's failure", line.Error)
			}
			if bytes.Contains(rec.Body.Bytes(), []byte("chan")) {
				t.Errorf("body = %s; want no detail of the failure", rec.Body.Bytes())
			}
		})
	}
}
