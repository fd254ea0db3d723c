package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestUnconvertibleEventsAreAnswered: an event the api-proxy adapter cannot
// turn into an http.Request (a body marked isBase64Encoded that is not
// standard base64, a method that is not an HTTP token, a domainName that
// is not a host) is what a hand-edited `sam local invoke` event or a
// misbehaving caller sends, never API Gateway. The adapter failed the
// invocation (API Gateway's bare 500), wrote no request log line, and it and
// the Lambda runtime printed the method, host and path in unstructured
// lines: a card number there reached the log. Each is answered as the route
// answers any bad request, in one log line, with nothing of it logged.
func TestUnconvertibleEventsAreAnswered(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	const card = "4111111111111111"
	json64 := base64.StdEncoding.EncodeToString([]byte(`{"amount":1,"currency":"EUR"}`))
	cases := []struct {
		name, event string
		edit        func(*events.APIGatewayV2HTTPRequest)
		want        int
		code        string
	}{
		{"body not base64", "create-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.IsBase64Encoded, e.Body = true, "!!!"+card+"***"
		}, 400, session.ReasonMalformedJSON},
		{"body unpadded base64", "create-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.IsBase64Encoded, e.Body = true, strings.TrimRight(json64, "=")
		}, 400, session.ReasonMalformedJSON},
		{"body URL-safe base64", "post-session-event.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.IsBase64Encoded, e.Body = true, base64.URLEncoding.EncodeToString([]byte("{\"status\":\"\xfb\xff\"}"))
		}, 400, session.ReasonMalformedJSON},
		{"GET body not base64", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.IsBase64Encoded, e.Body = true, "####"
		}, 200, ""},
		{"method with a space", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = "4111 1111 1111 1111"
		}, 405, session.ReasonMethodNotAllowed},
		{"method with a newline", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = "G ET\n" + card
		}, 405, session.ReasonMethodNotAllowed},
		// A body marked isBase64Encoded that is JSON text, not base64:
		// README, "is answered as any bad request (400 `MALFORMED_JSON`,
		// 405)", never read as the JSON it would be unmarked.
		{"body JSON marked base64", "create-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.IsBase64Encoded, e.Body = true, `{"amount":100,"currency":"ZAR","orderId":"o-1"}`
		}, 400, session.ReasonMalformedJSON},
		// Methods that are not tokens at their first or last character,
		// by a byte just outside the token set: DEL, a separator.
		{"method starting with a space", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = " GET"
		}, 405, session.ReasonMethodNotAllowed},
		{"method with DEL", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = "GET\x7f"
		}, 405, session.ReasonMethodNotAllowed},
		{"method with a brace", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = "GET}"
		}, 405, session.ReasonMethodNotAllowed},
		{"domainName with a query", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.DomainName = "evil.example?" + card
		}, 200, ""},
		{"domainName with a fragment", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.DomainName = "evil.example#x"
		}, 200, ""},
		{"domainName not a host", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.DomainName = card + ":x:y"
		}, 200, ""},
		{"domainName with a path", "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.DomainName = "evil.example/" + card + "\x01"
		}, 200, ""},
	}
	// Standard base64 is decoded: a valid body whose encoding holds '+'
	// and '/' (what URL-safe base64 spells '-' and '_') is served.
	std64 := base64.StdEncoding.EncodeToString([]byte(`{"amount":1,"currency":"EUR","orderId":"o>>>???"}`))
	if !strings.Contains(std64, "+") || !strings.Contains(std64, "/") {
		t.Fatalf("%s holds no '+' or no '/'; the row below tests nothing", std64)
	}
	cases = append(cases, struct {
		name, event string
		edit        func(*events.APIGatewayV2HTTPRequest)
		want        int
		code        string
	}{"body standard base64 with plus and slash", "create-session.json", func(e *events.APIGatewayV2HTTPRequest) {
		e.IsBase64Encoded, e.Body = true, std64
	}, 201, ""})
	// Each separator RFC 9110 §5.6.2 excludes from a token makes a method
	// that is not one.
	for _, sep := range `"(),/:;<=>?@[\]{}` {
		cases = append(cases, struct {
			name, event string
			edit        func(*events.APIGatewayV2HTTPRequest)
			want        int
			code        string
		}{fmt.Sprintf("method with %q", sep), "get-session.json", func(e *events.APIGatewayV2HTTPRequest) {
			e.RequestContext.HTTP.Method = "GE" + string(sep) + "T"
		}, 405, session.ReasonMethodNotAllowed})
	}
	for _, c := range cases {
		before := f.logMark()
		ev := f.event(t, c.event, "")
		ev.Headers["idempotency-key"] = "unconvertible-" + strings.ReplaceAll(c.name, " ", "-")
		c.edit(&ev)
		var res events.APIGatewayV2HTTPResponse
		for _, rt := range httpapi.Routes(f.app.Deps()) {
			if rt.Pattern == ev.RouteKey {
				var err error
				if res, err = f.app.Lambda(rt)(context.Background(), ev); err != nil {
					t.Errorf("%s: invocation error; want a %d answer (an error is API Gateway's bare 500)", c.name, c.want)
				}
			}
		}
		if res.StatusCode != c.want {
			t.Errorf("%s: status = %d %s; want %d", c.name, res.StatusCode, res.Body, c.want)
		}
		if c.code != "" {
			var p struct{ Code string }
			if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p.Code != c.code {
				t.Errorf("%s: code = %q (%v); want %q", c.name, p.Code, err, c.code)
			}
		}
		if res.StatusCode != 0 && (res.Headers["Cache-Control"] != "no-store" || res.Headers["X-Request-Id"] != ev.RequestContext.RequestID) {
			t.Errorf("%s: headers = %v; want the service's", c.name, res.Headers)
		}
		lines := f.linesSince(before)
		if len(lines) != 1 || !strings.Contains(lines[0], `"request_id":"`+ev.RequestContext.RequestID+`"`) {
			t.Errorf("%s: log lines %q; want one request line", c.name, lines)
		}
		if strings.Contains(f.logs.String(), card) {
			t.Errorf("%s: the card number is in the log", c.name)
		}
	}
}

// TestEmptyEventIDThroughLambda: on the Lambda path as on the local server,
// "eventId":"" is 400 VALIDATION_FAILED naming eventId on every send, and
// nothing is applied (it was applied on each, as an event without an id);
// "eventId":null is an event without an id, applied.
func TestEmptyEventIDThroughLambda(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	for _, tt := range []struct {
		body  string
		want  int
		field string
		hist  int // history entries after the send
	}{
		{`{"status":"PROCESSING","eventId":""}`, 400, "eventId", 1},
		{`{"status":"PROCESSING","eventId":""}`, 400, "eventId", 1},
		{`{"status":"PROCESSING","eventId":null}`, 200, "", 2},
	} {
		ev := f.event(t, "post-session-event.json", "")
		delete(ev.Headers, "content-length")
		ev.Body = tt.body
		res := f.invoke(t, ev)
		var p struct {
			Code, Field string
		}
		_ = json.Unmarshal([]byte(res.Body), &p)
		if res.StatusCode != tt.want || tt.want == 400 && (p.Code != session.ReasonValidation || p.Field != tt.field) {
			t.Errorf("%s = %d %s; want %d naming %q", tt.body, res.StatusCode, res.Body, tt.want, tt.field)
		}
		v, err := f.app.Store.Get(context.Background(), sampleSessionID)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(v.History); got != tt.hist {
			t.Errorf("after %s: history has %d entries; want %d", tt.body, got, tt.hist)
		}
	}
}

// TestEmptyParentSessionIDThroughLambda: through the Lambda adapter as
// through net/http, a create with "parentSessionId":"" is 400
// VALIDATION_FAILED naming parentSessionId (it was 201, a session without a
// parent), and null is a session without a parent.
func TestEmptyParentSessionIDThroughLambda(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		body  string
		want  int
		field string
	}{
		{`{"amount":100,"currency":"EUR","parentSessionId":""}`, 400, "parentSessionId"},
		{`{"amount":100,"currency":"EUR","parentSessionId":null}`, 201, ""},
	} {
		ev := f.event(t, "create-session.json", "")
		delete(ev.Headers, "content-length")
		delete(ev.Headers, "idempotency-key")
		ev.Body = tt.body
		res := f.invoke(t, ev)
		var p struct {
			Code, Field, ParentSessionID string
		}
		_ = json.Unmarshal([]byte(res.Body), &p)
		if res.StatusCode != tt.want || tt.want == 400 && (p.Code != session.ReasonValidation || p.Field != tt.field) || tt.want == 201 && p.ParentSessionID != "" {
			t.Errorf("%s = %d %s; want %d naming %q", tt.body, res.StatusCode, res.Body, tt.want, tt.field)
		}
	}
}
