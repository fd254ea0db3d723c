package samlocal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"
)

// TestFailedInvocationsAreAPIGateways500: README (make start-api): "a
// function error, a crash, a timeout (the template's `Timeout`), a
// malformed answer or one over 6 MiB + 100 bytes (6,291,556, Lambda's
// response quota) are `500 {"message":"Internal Server Error"}`; past the
// 30 s integration timeout `503 {"message":"Service Unavailable"}`". Only
// the integration timeout is 503: an invocation that fails before it, an
// emulator that never starts included (Lambda's invoke failing, which API
// Gateway answers 500), is 500. Each row's function is a fake emulator
// endpoint (or none), so no emulator or DynamoDB is needed.
func TestFailedInvocationsAreAPIGateways500(t *testing.T) {
	defer func(d time.Duration) { integrationTimeout = d }(integrationTimeout)
	integrationTimeout = 2 * time.Second
	oversize := append(append([]byte(`{"statusCode":200,"body":"`), bytes.Repeat([]byte("a"), maxInvokeResponse+1-len(`{"statusCode":200,"body":""}`))...), `"}`...)
	for _, tt := range []struct {
		name   string
		status int    // the emulator's status; 0: no emulator starts
		answer []byte // the emulator's answer
		delay  time.Duration
		want   gatewayError
	}{
		{"the emulator does not start", 0, nil, 0, gatewayInternal},
		{"an init failure or a runtime that exited (the emulator's 502)", http.StatusBadGateway, []byte(`{"errorMessage":"exit status 2","errorType":"Runtime.ExitError"}`), 0, gatewayInternal},
		{"the emulator answers another error status", http.StatusInternalServerError, []byte(`{"statusCode":200,"body":"ok"}`), 0, gatewayInternal},
		{"a timeout", http.StatusOK, []byte(`Task timed out after 3.00 seconds`), 0, gatewayInternal},
		{"a function error", http.StatusOK, []byte(`{"errorMessage":"boom","errorType":"errorString"}`), 0, gatewayInternal},
		{"an answer over 6,291,556 bytes", http.StatusOK, oversize, 0, gatewayInternal},
		{"past the integration timeout", http.StatusOK, []byte(`{"statusCode":200,"body":"late"}`), 3 * time.Second, gatewayUnavailable},
		{"a success (the control)", http.StatusOK, []byte(`{"statusCode":200,"body":"ok"}`), 0, gatewayError{http.StatusOK, ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fn := &Function{LogicalID: "FakeFunction", Timeout: 3 * time.Second, Routes: []RouteKey{{Method: "GET", Path: "/items"}}}
			rt, err := newRouter([]*Function{fn})
			if err != nil {
				t.Fatal(err)
			}
			start := func(context.Context) (*instance, error) {
				return nil, errors.New("aws-lambda-rie for FakeFunction did not start")
			}
			if tt.status != 0 {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					time.Sleep(tt.delay)
					w.WriteHeader(tt.status)
					_, _ = w.Write(tt.answer)
				}))
				defer srv.Close()
				start = func(context.Context) (*instance, error) {
					// A process for stop to end: one already gone.
					cmd := exec.Command("true")
					if err := cmd.Run(); err != nil {
						return nil, err
					}
					done := make(chan struct{})
					close(done)
					return &instance{fn: fn, cmd: cmd, invokeURL: srv.URL, client: srv.Client(), done: done}, nil
				}
			}
			s := &Stack{Template: &Template{Functions: []*Function{fn}}, router: rt, log: io.Discard,
				pools: map[string]*pool{fn.LogicalID: newPool(fn, 1, start)}}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest("GET", "/items", nil))
			if w.Code != tt.want.status {
				t.Errorf("answer %d %q; want %d", w.Code, w.Body, tt.want.status)
			}
			if tt.want.message != "" && w.Body.String() != `{"message":"`+tt.want.message+`"}` {
				t.Errorf("body %q; want API Gateway's {\"message\":%q}", w.Body, tt.want.message)
			}
		})
	}
}
