package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestLambdaBodies: through the api-proxy adapter, a body API Gateway sent
// base64-encoded is decoded before the handler reads it, and no answer is
// ever base64-encoded (every answer is UTF-8 JSON).
func TestLambdaBodies(t *testing.T) {
	f := newFixture(t)
	ev := f.event(t, "create-session.json", "")
	ev.Headers["idempotency-key"] = "b64-1"
	ev.Body = base64.StdEncoding.EncodeToString([]byte(ev.Body))
	ev.IsBase64Encoded = true
	res := f.invoke(t, ev)
	if res.StatusCode != 201 || res.IsBase64Encoded || !json.Valid([]byte(res.Body)) {
		t.Fatalf("base64 body: %d base64=%v %s; want 201 with plain JSON", res.StatusCode, res.IsBase64Encoded, res.Body)
	}
	bad := f.event(t, "create-session.json", "")
	bad.Headers["idempotency-key"] = "b64-2"
	bad.Body = "{\"amount\":1,\"currency\":\"EUR\",\"orderId\":\"\xff\xfe\"}"
	res = f.invoke(t, bad)
	if res.StatusCode != 400 || res.IsBase64Encoded || !json.Valid([]byte(res.Body)) {
		t.Errorf("invalid UTF-8 body: %d base64=%v %s; want a plain JSON 400", res.StatusCode, res.IsBase64Encoded, res.Body)
	}
}

// countingReader counts what the handler reads of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestLargeBodyNotReadWhole: a body over 64 KiB is refused with 413 after
// reading at most the limit, whether or not it declares its length.
func TestLargeBodyNotReadWhole(t *testing.T) {
	f := newFixture(t)
	h := httpapi.Middleware(f.app.Logger, func(*http.Request) string { return "" }, httpapi.NewRouter(httpapi.Routes(f.app.Deps())...))
	for _, declared := range []bool{true, false} {
		body := &countingReader{r: strings.NewReader(`{"amount":1,"currency":"EUR","orderId":"` + strings.Repeat("x", 10<<20) + `"}`)}
		r, _ := http.NewRequest("POST", "/sessions", body)
		r.Header.Set("Authorization", "Bearer "+f.token)
		r.Header.Set("Content-Type", "application/json")
		if declared {
			r.ContentLength = 10 << 20
		} else {
			r.ContentLength = -1
		}
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status != http.StatusRequestEntityTooLarge {
			t.Errorf("declared=%v: status %d; want 413", declared, w.status)
		}
		if body.n > httpapi.MaxBodyBytes+4096 {
			t.Errorf("declared=%v: read %d bytes of a 10 MiB body; want at most the 64 KiB limit", declared, body.n)
		}
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}

// TestLambdaPanicIsA500AndTheContainerServesOn: a panic in a handler run by
// the Lambda adapter is a logged 500 with the request id and no detail, and
// the same handler (the same container) answers the next invocation.
func TestLambdaPanicIsA500AndTheContainerServesOn(t *testing.T) {
	f := newFixture(t)
	calls := 0
	handler := f.app.Lambda(httpapi.Route{Pattern: "GET /sessions/{sessionId}", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			panic("boom: secret detail")
		}
		w.WriteHeader(http.StatusNoContent)
	})})
	ev := f.event(t, "get-session.json", "")
	res, err := handler(context.Background(), ev)
	if err != nil || res.StatusCode != 500 || strings.Contains(res.Body, "secret") || !strings.Contains(res.Body, ev.RequestContext.RequestID) {
		t.Fatalf("panicking invocation = %d %s, %v; want a 500 naming the request id and nothing else", res.StatusCode, res.Body, err)
	}
	if !strings.Contains(f.logs.String(), "boom: secret detail") || !strings.Contains(f.logs.String(), `"status":500`) {
		t.Errorf("the panic is not in the log:\n%s", f.logs)
	}
	res, err = handler(context.Background(), ev)
	if err != nil || res.StatusCode != http.StatusNoContent {
		t.Errorf("next invocation = %d, %v; want 204", res.StatusCode, err)
	}
}

// TestLambdaAbortFailsTheInvocationAndTheContainerServesOn: a handler that
// aborts its response after beginning it (panic(http.ErrAbortHandler), as
// net/http defines) fails the invocation (API Gateway's 500) with the
// request's one log line, and the container answers the next invocation:
// the panic never reaches the Lambda runtime, which would end the process.
// So does any other panic after the response began: it cannot be answered
// with the generic 500 (its status is written), and must not be finished
// as begun (the adapter returned the 201 with half its body, logged at
// INFO with no trace of the panic).
func TestLambdaAbortFailsTheInvocationAndTheContainerServesOn(t *testing.T) {
	tests := []struct {
		name  string
		abort func(w http.ResponseWriter)
		logs  string // what the line holds besides level and status
	}{
		{"abort after 200", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusOK)
			panic(http.ErrAbortHandler)
		}, "aborted the response after beginning status 200"},
		{"panic after half a 201", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":`))
			panic("boom: half a body")
		}, "boom: half a body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			calls := 0
			handler := f.app.Lambda(httpapi.Route{Pattern: "GET /sessions/{sessionId}", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if calls == 1 {
					tt.abort(w)
				}
				w.WriteHeader(http.StatusNoContent)
			})})
			ev := f.event(t, "get-session.json", "")
			invoke := func() (res events.APIGatewayV2HTTPResponse, panicked any, err error) {
				defer func() { panicked = recover() }()
				res, err = handler(context.Background(), ev)
				return res, nil, err
			}
			if res, p, err := invoke(); p != nil || err == nil {
				t.Fatalf("aborted invocation = %d %q, error %v, panic %v; want an invocation error and no panic", res.StatusCode, res.Body, err, p)
			}
			logs := f.logs.String()
			if n := strings.Count(strings.TrimSpace(logs), "\n") + 1; n != 1 || !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, `"status":500`) || !strings.Contains(logs, tt.logs) {
				t.Errorf("log lines got %d; want 1 at ERROR with API Gateway's status 500, holding %q:\n%s", n, tt.logs, logs)
			}
			if res, p, err := invoke(); p != nil || err != nil || res.StatusCode != http.StatusNoContent {
				t.Errorf("next invocation = %d, %v, panic %v; want 204", res.StatusCode, err, p)
			}
		})
	}
}

// TestLambdaTooLargeLineNamesItsRoute: a body over 64 KiB once API Gateway's
// base64 is decoded is refused 413 before the handler runs (by its decoded
// length: the base64 sent is a third longer), and the request's one log
// line names the route it was sent to, as every routed request's line
// does: the router knows the route before it refuses the body.
func TestLambdaTooLargeLineNamesItsRoute(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	for _, name := range []string{"create-session.json", "post-session-event.json", "cancel-session.json", "create-api-key.json"} {
		t.Run(name, func(t *testing.T) {
			ev := f.event(t, name, "")
			ev.Body = base64.StdEncoding.EncodeToString([]byte(`{"metadata":{"x":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}}`))
			ev.IsBase64Encoded = true
			before := f.logMark()
			res := f.invoke(t, ev)
			var p struct{ Code string }
			_ = json.Unmarshal([]byte(res.Body), &p)
			if res.StatusCode != http.StatusRequestEntityTooLarge || p.Code != session.ReasonBodyTooLarge {
				t.Fatalf("got %d %s; want 413 %s", res.StatusCode, p.Code, session.ReasonBodyTooLarge)
			}
			line := f.onlyLineSince(t, before)
			if got, want := line["route"], ev.RouteKey; got != want {
				t.Errorf("log line route = %v; want %v", got, want)
			}
			if got, want := line["status"], 413.0; got != want {
				t.Errorf("log line status = %v; want %v", got, want)
			}
		})
	}
}

// TestLambdaMethodNotAllowedLineNamesItsPath: a method the function's
// route does not take reaches it through the template's ANY route on the
// same path and is answered 405, and the request's one log line names, as
// its route, the path pattern the request matched under another method
// ("/sessions/{sessionId}": no route of this method matched, so no method
// is named), not "" as a path that matches nothing.
func TestLambdaMethodNotAllowedLineNamesItsPath(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	tests := []struct {
		event, method, route string
	}{
		{"get-session.json", "DELETE", "/sessions/{sessionId}"},
		{"create-session.json", "PUT", "/sessions"},
		{"post-session-event.json", "GET", "/sessions/{sessionId}/events"},
		{"delete-api-key.json", "PATCH", "/api-keys/{keyId}"},
		{"payment-status.json", "POST", "/v2.0/payments/{paymentId}/status"},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			ev := f.event(t, tt.event, "")
			ev.RequestContext.HTTP.Method = tt.method
			before := f.logMark()
			res := f.invoke(t, ev)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("got %d %s; want 405", res.StatusCode, res.Body)
			}
			line := f.onlyLineSince(t, before)
			if got, want := line["route"], tt.route; got != want {
				t.Errorf("log line route = %v; want %v", got, want)
			}
			if got, want := line["code"], session.ReasonMethodNotAllowed; got != want {
				t.Errorf("log line code = %v; want %v", got, want)
			}
		})
	}
}
