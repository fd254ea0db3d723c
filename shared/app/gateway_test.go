package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestDocument001PathsThroughAPIGateway: an HTTP API hands the function the
// path decoded (rawPath and pathParameters alike), so a client's
// %7B…%7D arrives as braces, and the api-proxy adapter builds the request
// from rawPath. Document 001's paymentId is read in every layout .NET's
// Guid.ToString writes, through the payment-status function as AWS runs it; a
// request for another method (the template's ANY route beside the GET one)
// is that function's 405 in 001's envelope, with Allow.
func TestDocument001PathsThroughAPIGateway(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	id := sampleSessionID
	n := strings.ReplaceAll(id, "-", "")
	forms := []string{
		"{" + id + "}", "(" + strings.ToUpper(id) + ")", n,
		"{0x" + n[:8] + ",0x" + n[8:12] + ",0x" + n[12:16] + ",{0x" + n[16:18] + ",0x" + n[18:20] + ",0x" + n[20:22] + ",0x" + n[22:24] + ",0x" + n[24:26] + ",0x" + n[26:28] + ",0x" + n[28:30] + ",0x" + n[30:32] + "}}",
		" " + id + " ",
	}
	for _, form := range forms {
		// As an HTTP API delivers it: decoded (the client sent the braces,
		// parentheses and spaces percent-encoded).
		for _, rawPath := range []string{"/v2.0/payments/" + form + "/status"} {
			ev := f.event(t, "payment-status.json", "")
			ev.RawPath, ev.RequestContext.HTTP.Path = rawPath, rawPath
			ev.PathParameters = map[string]string{"paymentId": form}
			res := f.invoke(t, ev)
			if res.StatusCode != 200 {
				t.Errorf("rawPath %q = %d %s; want 200", rawPath, res.StatusCode, res.Body)
				continue
			}
			if got := decode(t, res).(map[string]any)["data"].(map[string]any)["paymentId"]; got != id {
				t.Errorf("rawPath %q: paymentId = %v; want %s", rawPath, got, id)
			}
		}
	}

	route := httpapi.Route{Pattern: httpapi.PatternPaymentStatus, Handler: httpapi.PaymentStatus(f.app.Store, f.app.Auth)}
	ev := f.event(t, "payment-status.json", "")
	ev.RequestContext.HTTP.Method, ev.RouteKey, ev.RequestContext.RouteKey = "DELETE", "ANY /v2.0/payments/{paymentId}/status", "ANY /v2.0/payments/{paymentId}/status"
	res, err := f.app.Lambda(route)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := decode(t, res).(map[string]any)
	ns, _ := body["notifications"].([]any)
	if res.StatusCode != 405 || res.Headers["Allow"] != "GET, HEAD" || body["data"] != nil || len(ns) != 1 || ns[0].(map[string]any)["code"] != session.ReasonMethodNotAllowed {
		t.Errorf("DELETE = %d %v %s; want 405, Allow: GET, HEAD, in 001's envelope", res.StatusCode, res.Headers, res.Body)
	}
}

// TestDecodedHostilePathsThroughAPIGateway: an HTTP API decodes the path
// before it builds the event, so what a client sent as %25, %3F, %23, %20,
// %01 or %C3%BC reaches the function as a bare %, ?, #, space, control
// character or ü in rawPath. Each is a path id like any other: refused with
// a 4xx as the endpoint refuses a bad id (404 where document 001, 002 or
// 004 names no other answer), never an invocation error (which API Gateway
// turns into a 500), and a decoded ? never becomes a query string (003's
// init=true smuggled inside the id must not select the init view). A dot
// segment or a / that decoding puts into the path matches no route.
func TestDecodedHostilePathsThroughAPIGateway(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	endpoints := []struct {
		event, prefix, suffix, param string
		want                         int
	}{
		{"get-session.json", "/sessions/", "", "sessionId", 400},
		{"payment-status.json", "/v2.0/payments/", "/status", "paymentId", 404},
		{"checkout-session.json", "/v1/checkout-sessions/", "", "checkoutSessionId", 400},
		{"session-record.json", "/pps/api/v1/session-record/", "", "sessionId", 404},
		{"payment-session.json", "/payment-sessions/", "", "paymentSessionId", 404},
	}
	ids := []string{
		"%", "100%", "%zz", "%4", sampleSessionID + "%",
		sampleSessionID + "?init=true", sampleSessionID + "#x", "?", "#",
		"a b", "a\x01b", "a\x7fb", "\x00", "ü", "\u2028", "a\"b", "<script>", "%2e%2e", "%41",
	}
	// Decoded, these make the path itself non-canonical (a dot segment, one
	// segment more): no route matches it, and the function answers as API
	// Gateway answers a path it has no route for.
	nonCanonical := []string{"..", ".", "a/b", "./x"}
	for _, e := range endpoints {
		for _, id := range append(ids, nonCanonical...) {
			want := e.want
			if slices.Contains(nonCanonical, id) {
				want = 404
			}
			ev := f.event(t, e.event, "")
			ev.RawPath = e.prefix + id + e.suffix
			ev.RequestContext.HTTP.Path = ev.RawPath
			ev.PathParameters = map[string]string{e.param: id}
			var res events.APIGatewayV2HTTPResponse
			for _, rt := range httpapi.Routes(f.app.Deps()) {
				if rt.Pattern == ev.RouteKey {
					var err error
					res, err = f.app.Lambda(rt)(context.Background(), ev)
					if err != nil {
						t.Errorf("%s rawPath %q: invocation error %v; want a %d answer (an error is API Gateway's 500)", e.event, ev.RawPath, err, e.want)
					}
				}
			}
			if res.StatusCode != want {
				t.Errorf("%s rawPath %q = %d %s; want %d", e.event, ev.RawPath, res.StatusCode, res.Body, want)
			}
			if slices.Contains(nonCanonical, id) && res.Body != httpapi.GatewayNotFound {
				t.Errorf("%s rawPath %q: body %s; want API Gateway's own %s", e.event, ev.RawPath, res.Body, httpapi.GatewayNotFound)
			}
		}
	}
}

// TestHostileQueriesThroughAPIGateway: the api-proxy adapter pastes
// rawQueryString after the path and parses the URL. A control character or
// DEL in the query, or a '#' before a bad escape, made that fail: an
// invocation error (API Gateway's 500), no request log line, and the whole
// URL, query and all, printed by the adapter and the runtime in unstructured
// lines ("never a token, key, secret or card number in a log"; "one line
// per request"). Each is now answered by the endpoint, as it answers any
// query it does not accept, with its one log line.
func TestHostileQueriesThroughAPIGateway(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	const card = "4111111111111111"
	cases := []struct {
		event, query string
		want         int
	}{
		{"get-session.json", "pan=" + card + "\x01", 200},
		{"get-session.json", "pan=" + card + "\x7f", 200},
		{"get-session.json", "x=1#%zz" + card, 200},
		{"get-session.json", "x=\x00&pan=" + card, 200},
		{"session-records.json", "createdDate=2026-11-23\x01", 400},
		{"session-records.json", "createdDate=2026-11-23#%zz", 400},
		{"session-records.json", "createdDate=2026-11-23#", 400},
		{"session-records.json", "createdDate=2026-11-23&x=\x1b[2J", 200},
	}
	for _, c := range cases {
		before := f.logMark()
		ev := f.event(t, c.event, "")
		ev.RawQueryString = c.query
		var res events.APIGatewayV2HTTPResponse
		for _, rt := range httpapi.Routes(f.app.Deps()) {
			if rt.Pattern == ev.RouteKey {
				var err error
				if res, err = f.app.Lambda(rt)(context.Background(), ev); err != nil {
					t.Errorf("%s ?%q: invocation error %.60q; want a %d answer (an error is API Gateway's 500)", c.event, c.query, err, c.want)
				}
			}
		}
		if res.StatusCode != c.want {
			t.Errorf("%s ?%q = %d %s; want %d", c.event, c.query, res.StatusCode, res.Body, c.want)
		}
		lines := f.linesSince(before)
		if len(lines) != 1 || !strings.Contains(lines[0], `"request_id":"`+ev.RequestContext.RequestID+`"`) {
			t.Errorf("%s ?%q: log lines %q; want one request line", c.event, c.query, lines)
		}
		if strings.Contains(f.logs.String(), card) {
			t.Errorf("%s ?%q: the card number is in the log", c.event, c.query)
		}
	}
}
