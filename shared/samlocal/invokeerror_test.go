package samlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/racemode"
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
	// Only the row past the integration timeout runs under a short one: the
	// others must fail for their own reason, however slow the machine (the
	// 6 MiB row under -race at a load average near 19 took over 2 s and was
	// answered 503).
	defer func(d time.Duration) { integrationTimeout = d }(integrationTimeout)
	long := integrationTimeout
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
			integrationTimeout = long
			if tt.delay > 0 {
				integrationTimeout = 2 * time.Second
			}
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

// TestStackEventQuotaIsAtMostSixMiB: README: "an event over Lambda's 6 MiB on a
// route of the template ... is `413 {"message":"Request Entity Too
// Large"}`". An event of exactly 6 MiB (6,291,456 bytes, Lambda's
// synchronous request quota) is invoked; one a byte longer is the 413.
//
// It builds and encodes 6 MB events about eight times, one request at a
// time: 55 s under -race on a busy machine, 2 s without it. It runs in
// make test's pass without the detector (PLAIN_TESTS): an invocation's
// concurrency (the gateway, the instance pool, the function's server) is
// checked under the detector by TestOneInvocationPerInstance,
// TestFailedInvocationsAreAPIGateways500 and
// TestStackRefusesAnEventOverLambdasQuota, the last with an event over
// the quota.
func TestStackEventQuotaIsAtMostSixMiB(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	fn := &Function{LogicalID: "FakeFunction", Timeout: 3 * time.Second, Routes: []RouteKey{{Method: "POST", Path: "/items"}}}
	rt, err := newRouter([]*Function{fn})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"statusCode":200,"body":"ok"}`))
	}))
	defer srv.Close()
	start := func(context.Context) (*instance, error) {
		return &instance{fn: fn, invokeURL: srv.URL, client: srv.Client(), done: make(chan struct{})}, nil
	}
	s := &Stack{Template: &Template{Functions: []*Function{fn}}, router: rt, log: io.Discard,
		gw:    gateway{accountID: pseudoParameters["AWS::AccountId"], apiID: "local1"},
		pools: map[string]*pool{fn.LogicalID: newPool(fn, 1, start)}}
	request := func(n int) *http.Request {
		r := httptest.NewRequest("POST", "/items", bytes.NewReader(bytes.Repeat([]byte("a"), n)))
		r.Header.Set("Content-Type", "text/plain")
		return r
	}
	// The event's length for a body of n bytes, as ServeHTTP builds it.
	size := func(n int) int {
		r := request(n)
		route, params := rt.match(r.Method, "/items")
		b, err := json.Marshal(s.gw.newEvent(r, bytes.Repeat([]byte("a"), n), route, params, newRequestID(), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	// The body's length is in the event twice (its content-length
	// header's digits too): a few steps find the body that makes it 6 MiB.
	n := 1000
	for range 5 {
		n += maxInvokePayload - size(n)
	}
	if got := size(n); got != maxInvokePayload {
		t.Fatalf("an event of a %d-byte body is %d bytes; want %d", n, got, maxInvokePayload)
	}
	for _, tt := range []struct {
		body, status int
	}{
		{n, http.StatusOK},
		{n + 1, http.StatusRequestEntityTooLarge},
	} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, request(tt.body))
		if w.Code != tt.status {
			t.Errorf("an event of %d bytes: answer %d; want %d", maxInvokePayload+tt.body-n, w.Code, tt.status)
		}
	}
}

// TestInvokeScheduleSaysAFailedRun: InvokeSchedule "invokes logicalID with
// its schedule's event now, as EventBridge Scheduler does, and waits for
// the outcome": a run that fails (a function error) is its error, one that
// succeeds is nil.
func TestInvokeScheduleSaysAFailedRun(t *testing.T) {
	for _, tt := range []struct {
		answer string
		ok     bool
	}{
		{`{"errorMessage":"boom","errorType":"errorString"}`, false},
		{`null`, true},
	} {
		fn := &Function{LogicalID: "TickFunction", Timeout: 3 * time.Second, Schedules: []Schedule{{Expression: "rate(1 minute)", Input: `{}`}}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tt.answer)) }))
		start := func(context.Context) (*instance, error) {
			return &instance{fn: fn, invokeURL: srv.URL, client: srv.Client(), done: make(chan struct{})}, nil
		}
		s := &Stack{pools: map[string]*pool{fn.LogicalID: newPool(fn, 1, start)}}
		err := s.InvokeSchedule(context.Background(), fn.LogicalID)
		srv.Close()
		if (err == nil) != tt.ok {
			t.Errorf("a run answering %s: InvokeSchedule = %v; want success %v", tt.answer, err, tt.ok)
		}
	}
}
