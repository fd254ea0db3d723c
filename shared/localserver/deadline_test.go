package localserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestRequestsHaveTheirFunctionsDeadline: on AWS each request runs in a
// Lambda invocation whose deadline is the Timeout template.yaml gives the
// function serving its route, and the request's context ends 1 s before
// it (README: "a request's context ends 1 s before the invocation's
// deadline"): the handlers and the store read that deadline (the band
// wait, the day list's budget). The local server serves every path of a
// function with that deadline too, whatever the method (the function's
// ANY route), and the development issuer's paths with none: the API
// functions' 9 s of 10, the day list's 14 s of 15 (its budget, 10 s, stays
// inside the 12 s that leaves it). The handler here reports each
// request's deadline; the timeouts are the template's, as make start-api
// reads it (samlocal.ReadTemplate), so the server's table is held to it.
func TestRequestsHaveTheirFunctionsDeadline(t *testing.T) {
	tpl, err := samlocal.ReadTemplate("../..")
	if err != nil {
		t.Fatal(err)
	}
	timeouts := map[string]time.Duration{} // route -> its function's Timeout
	for _, fn := range tpl.Functions {
		for _, rt := range fn.Routes {
			if rt.Method != "ANY" {
				timeouts[rt.String()] = fn.Timeout
			}
		}
	}
	type report struct {
		deadline time.Time
		ok       bool
	}
	reports := make(chan report, 1)
	h, err := invocations(httpapi.Routes(httpapi.Deps{}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := r.Context().Deadline()
		reports <- report{d, ok}
	}))
	if err != nil {
		t.Fatalf("invocations: %v", err)
	}
	// serve serves one request and returns its deadline, as an offset from
	// the time it began, within what serving took.
	serve := func(method, path string) (lo, hi time.Duration, ok bool) {
		before := time.Now()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(context.Background(), method, path, nil))
		after := time.Now()
		got := <-reports
		return got.deadline.Sub(after), got.deadline.Sub(before), got.ok
	}
	routes := httpapi.Routes(httpapi.Deps{})
	if len(routes) != len(timeouts) {
		t.Errorf("the route table has %d routes, template.yaml %d", len(routes), len(timeouts))
	}
	for _, rt := range routes {
		timeout, ok := timeouts[rt.Pattern]
		if !ok {
			t.Errorf("%s: template.yaml routes it to no function", rt.Pattern)
			continue
		}
		want := timeout - min(time.Second, timeout/2)
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "x")
		// The route's method, and another: the function's ANY route (a
		// 405 is the function's answer on AWS).
		for _, m := range []string{method, http.MethodPut} {
			lo, hi, ok := serve(m, path)
			if !ok || want < lo || want > hi {
				t.Errorf("%s %s: the request's deadline %v after it began (set: %v); want its function's Timeout %v less the second kept to answer: %v",
					m, path, hi.Round(time.Millisecond), ok, timeout, want)
			}
		}
	}
	// The development issuer's paths are no function's.
	for _, path := range []string{devtoken.TokenPath, devtoken.JWKSPath} {
		if _, _, ok := serve(http.MethodGet, path); ok {
			t.Errorf("GET %s has a deadline; want none (no function of the template serves it)", path)
		}
	}
}

// TestEveryFunctionRouteHasATimeout: a route of the service with no
// function timeout stops the local server's start, rather than serving
// without a deadline.
func TestEveryFunctionRouteHasATimeout(t *testing.T) {
	routes := []httpapi.Route{{Pattern: "GET /not-in-the-template", Handler: http.NotFoundHandler()}}
	if _, err := invocations(routes, http.NotFoundHandler()); err == nil {
		t.Errorf("invocations(%s) = nil error; want one", routes[0].Pattern)
	}
}

// slowBody is a request body whose last byte arrives after delay, as a
// client on a slow link sends it; arrived is when it did.
type slowBody struct {
	data    *strings.Reader
	delay   time.Duration
	arrived time.Time
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.data.Len() == 0 {
		return 0, io.EOF
	}
	if b.data.Len() == 1 {
		time.Sleep(b.delay)
		b.arrived = time.Now()
	}
	return b.data.Read(p[:1])
}

// TestDeadlineStartsOnceTheBodyHasArrived: API Gateway reads a request's
// whole body before it invokes the function (asDelivered's "an HTTP API
// buffers the whole body before it routes the request"), so on AWS the
// invocation's time, and the request's context, start once the last byte
// is in: a client that takes longer than the function's Timeout to send a
// create body is answered by the function as any other. The local server's
// deadline must start there too, not when the head arrived (a body sent
// with a Content-Length is read by the handler, inside the deadline): a
// create whose body took 10 s to arrive was 503 on make run, 201 on AWS.
func TestDeadlineStartsOnceTheBodyHasArrived(t *testing.T) {
	const delay = 300 * time.Millisecond
	type report struct {
		deadline time.Time
		ok       bool
		body     string
	}
	reports := make(chan report, 1)
	// The chain make run serves: the gateway's checks read the body.
	h := servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d, ok := r.Context().Deadline()
		reports <- report{d, ok, string(b)}
	}))
	const sent = `{"amount":1,"currency":"EUR"}`
	body := &slowBody{data: strings.NewReader(sent), delay: delay}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/sessions", body)
	req.ContentLength = int64(len(sent))
	h.ServeHTTP(httptest.NewRecorder(), req)
	got := <-reports
	timeout := functionTimeouts[httpapi.PatternCreateSession]
	want := timeout - min(time.Second, timeout/2)
	if left := got.deadline.Sub(body.arrived); !got.ok || left < want {
		t.Errorf("the request's deadline %v after its body's last byte (set: %v); want at least its function's Timeout less the second kept to answer: %v",
			left.Round(time.Millisecond), got.ok, want)
	}
	if got.body != sent {
		t.Errorf("the handler read %q; want %q", got.body, sent)
	}
}

// servedAsOnMakeRun is h as make run's server serves it on the service's
// routes: behind the gateway's checks (asDelivered), which read the body
// whole, then within the invocation's deadline (invocations).
func servedAsOnMakeRun(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	return servedAsOnMakeRunWithin(t, samlocal.DefaultBodyTimeout, h)
}

// servedAsOnMakeRunWithin is servedAsOnMakeRun with bodyTimeout as the
// bound on a request's body (Options.BodyTimeout).
func servedAsOnMakeRunWithin(t *testing.T, bodyTimeout time.Duration, h http.Handler) http.Handler {
	t.Helper()
	return servedAndLoggedWithin(t, bodyTimeout, h, nil)
}

// servedAndLoggedWithin is servedAsOnMakeRunWithin with each request's
// log line (httpapi.Middleware, as Start wraps the routes and API
// Gateway's answers) written to log as JSON; nil logs nothing.
func servedAndLoggedWithin(t *testing.T, bodyTimeout time.Duration, h http.Handler, log io.Writer) http.Handler {
	t.Helper()
	logged := func(h http.Handler) http.Handler { return h }
	if log != nil {
		logger := slog.New(slog.NewJSONHandler(log, nil))
		logged = func(h http.Handler) http.Handler {
			return httpapi.Middleware(logger, func(*http.Request) string { return "" }, h)
		}
	}
	routes := httpapi.Routes(httpapi.Deps{})
	served, err := invocations(routes, logged(h))
	if err != nil {
		t.Fatalf("invocations: %v", err)
	}
	return asDelivered(routes, routes, logged, served, bodyTimeout)
}
