package localserver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestAnAbortedAnswerIsTheGateways500: a handler that cuts its answer
// short (http.ErrAbortHandler, which httpapi.Middleware passes on for any
// panic after the answer began) fails the Lambda invocation (app.Lambda
// returns an error), and API Gateway answers its own 500
// {"message":"Internal Server Error"}, none of the function's headers
// (README, Errors: 500 "the function failed (a crash, its timeout, an
// answer cut short) ... API Gateway's own answer"); make start-api answers
// so (measured, r103-lambda: a GetSession bootstrap patched to write half
// a 200 and abort). make run's server held the answer (wholeAnswer) and
// let the abort reach net/http, which closed the connection without a
// byte: the client got no answer at all (EOF).
func TestAnAbortedAnswerIsTheGateways500(t *testing.T) {
	beganThen := func(then func()) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/sessions/x")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":`))
			then()
		})
	}
	tests := []struct {
		name   string
		logged bool // behind httpapi.Middleware, as make run serves its routes
		h      http.Handler
	}{
		{"abort", false, beganThen(func() { panic(http.ErrAbortHandler) })},
		{"abort behind the middleware", true, beganThen(func() { panic(http.ErrAbortHandler) })},
		{"panic after the answer began, behind the middleware", true, beganThen(func() { panic("boom") })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log io.Writer
			if tt.logged {
				log = new(bytes.Buffer)
			}
			srv := httptest.NewServer(servedAndLoggedWithin(t, 10*time.Second, tt.h, log))
			defer srv.Close()
			c := &http.Client{Timeout: time.Minute}
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, "/sessions/x"},
				{http.MethodGet, "/payment-sessions/x"},
			} {
				r, err := http.NewRequest(req.method, srv.URL+req.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.Do(r)
				if err != nil {
					t.Fatalf("%s %s: got error %v; want API Gateway's 500", req.method, req.path, err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusInternalServerError || string(body) != httpapi.GatewayInternalError {
					t.Errorf("%s %s: got %d %s; want %d %s", req.method, req.path, res.StatusCode, body, http.StatusInternalServerError, httpapi.GatewayInternalError)
				}
				if got := res.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("%s %s: got Content-Type %q; want application/json", req.method, req.path, got)
				}
				for _, k := range []string{"Location", "X-Request-Id", "Cache-Control"} {
					if v := res.Header.Get(k); v != "" {
						t.Errorf("%s %s: got %s %q; want none of the function's headers on API Gateway's answer", req.method, req.path, k, v)
					}
				}
			}
		})
	}
}
