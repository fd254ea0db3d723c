package localserver

import (
	"context"
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
		t.Errorf("functionRoutes(%s) = nil error; want one", routes[0].Pattern)
	}
}
