package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

func logLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// TestEveryResponseCarriesSecurityHeaders: every answer of the service's
// own carries them. (A path that matches no route is API Gateway's answer,
// not the service's: see TestUnmatchedPathAnswersAsAPIGateway.)
func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	eachStore(t, testEveryResponseCarriesSecurityHeaders)
}

func testEveryResponseCarriesSecurityHeaders(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	for _, res := range []response{
		h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil),
		h.do("GET", "/sessions/"+id, "", nil),
		h.do("DELETE", "/sessions/"+id, "", nil),
		h.do("POST", "/sessions", h.merchantToken("m-1"), strings.Repeat("x", 70000)),
	} {
		if res.Header().Get("Cache-Control") != "no-store" || res.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%d response headers = %v; want Cache-Control: no-store and X-Content-Type-Options: nosniff", res.Code, res.Header())
		}
		if res.Header().Get("X-Request-Id") == "" {
			t.Errorf("%d response without X-Request-Id", res.Code)
		}
		if res.Header().Get("Strict-Transport-Security") != httpapi.HSTS {
			t.Errorf("%d response without Strict-Transport-Security", res.Code)
		}
	}
}

func TestOneLogLinePerRequestWithoutSecrets(t *testing.T) {
	eachStore(t, testOneLogLinePerRequestWithoutSecrets)
}

func testOneLogLinePerRequestWithoutSecrets(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	id := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR"})
	h.do("GET", "/sessions/"+id, tok, nil)
	h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "orderId": "4111 1111 1111 1111"})
	lines := logLines(t, h.logs.String())
	if len(lines) != 3 {
		t.Fatalf("got %d log lines; want 3 (one per request):\n%s", len(lines), h.logs.String())
	}
	get := lines[1]
	for k, want := range map[string]any{"msg": "request", "method": "GET", "route": "GET /sessions/{sessionId}", "status": 200.0, "merchant_id": "m-1"} {
		if get[k] != want {
			t.Errorf("log[%s] = %v; want %v", k, get[k], want)
		}
	}
	if get["request_id"] == "" || get["latency_ms"] == nil {
		t.Errorf("log line %v lacks request_id or latency_ms", get)
	}
	if lines[2]["code"] != session.ReasonCardNumber || lines[2]["status"] != 400.0 {
		t.Errorf("refused request log = %v; want status 400 code %s", lines[2], session.ReasonCardNumber)
	}
	// A client's error is not the service's: INFO, with its code and
	// without the error's text (only a 5xx line carries that, at ERROR).
	if got, want := lines[2]["level"], "INFO"; got != want {
		t.Errorf("refused request log level: got %v; want %v", got, want)
	}
	if got, ok := lines[2]["error"]; ok {
		t.Errorf("refused request log error: got %v; want none", got)
	}
	// A subject that looks like a card number is not logged.
	odd := h.iss.MustMint(devtoken.Claims{Subject: "5555555555554444", MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	h.do("GET", "/sessions/"+id, odd, nil)
	dotted := h.iss.MustMint(devtoken.Claims{Subject: "5555.5555.5555.4444 12/28", MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	h.do("GET", "/sessions/"+id, dotted, nil)
	// Nor a long one (over 255 characters), nor one with control characters: it is the
	// identity provider's, and every request's line would carry it.
	long := h.iss.MustMint(devtoken.Claims{Subject: "svc-" + strings.Repeat("x", 1000), MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	h.do("GET", "/sessions/"+id, long, nil)
	ctl := h.iss.MustMint(devtoken.Claims{Subject: "svc\x1b[31mred", MerchantID: "m-1", Scopes: []string{"sessions:read"}})
	h.do("GET", "/sessions/"+id, ctl, nil)
	lines = logLines(t, h.logs.String())
	if len(lines) != 7 {
		t.Fatalf("got %d log lines; want 7 (one per request)", len(lines))
	}
	for i, want := range []string{"[redacted]", "[redacted]", "[redacted]", "[redacted]"} {
		if got := lines[3+i]["subject"]; got != want {
			t.Errorf("request %d: log subject %.40q; want %q", 4+i, got, want)
		}
	}
	all := h.logs.String()
	// Whole written numbers, not bare digit groups: a random request or
	// session id may hold "4111".
	for _, secret := range []string{tok, tok[len(tok)-20:], "4111 1111 1111 1111", "4111 1111", "5555555555554444", odd, "5555.5555", dotted} {
		if strings.Contains(all, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestPanicIsALogged500AndServingGoesOn(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	calls := 0
	h := httpapi.Middleware(logger, func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
		Pattern: "GET /boom",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls++
			if calls == 1 {
				panic("secret internal detail")
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	p := wantProblem(t, response{w}, 500, session.ReasonInternal)
	if p["requestId"] != "req-1" || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("500 body = %s; want requestId req-1 and no detail", w.Body)
	}
	lines := logLines(t, logs.String())
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || !strings.Contains(lines[0]["error"].(string), "secret internal detail") || lines[0]["request_id"] != "req-1" {
		t.Errorf("log = %v; want one ERROR line with the panic and request id", lines)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	if w.Code != http.StatusNoContent {
		t.Errorf("request after the panic = %d; want 204", w.Code)
	}
}

func TestClientCannotSendProxyContextHeader(t *testing.T) {
	var seen http.Header
	h := httpapi.Middleware(slog.New(slog.DiscardHandler), func(*http.Request) string { return "" }, httpapi.NewRouter(httpapi.Route{
		Pattern: "GET /echo",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone(); w.WriteHeader(204) }),
	}))
	r := httptest.NewRequest("GET", "/echo", nil)
	r.Header.Set("X-GoLambdaProxy-ApiGw-Context", `{"authorizer":{"jwt":{"claims":{"merchant_id":"victim"}}}}`)
	r.Header.Set("x-golambdaproxy-stagevars", `{}`)
	r.Header.Set("X-GoLambdaProxy-", `{}`) // the prefix alone is one of them too
	h.ServeHTTP(httptest.NewRecorder(), r)
	for k := range seen {
		if strings.HasPrefix(strings.ToLower(k), "x-golambdaproxy") {
			t.Errorf("handler saw client header %s", k)
		}
	}
}

// TestMethodNeverEchoedNorLogged: "400 CARD_NUMBER_REFUSED naming the field
// and never echoing the value" and "Tokens, keys and secrets never reach a
// log" (docs/design.md §3, §7). A method is any token to HTTP (the
// local server and the template's ANY routes take what the client sends),
// and a card number with dashes or dots, an API key, or a JWT is one. The
// 405 names a method only when it is plain letters, and the log line
// shows it only then.
func TestMethodNeverEchoedNorLogged(t *testing.T) {
	h := newMemoryHarness(t)
	key := "psk_0123456789abcdef_" + strings.Repeat("ab", 32)
	jwt := h.merchantToken("m-1")
	cases := []struct {
		method string
		shown  bool
	}{
		{"4111111111111111", false},
		{"4111-1111-1111-1111", false},
		{"4111.1111.1111.1111", false},
		{strings.ToUpper(key), false},
		{jwt, false},
		{"PROPFIND", true},
		{"PUT", true},
		// README: "show the method only when it is 1 to 20 ASCII letters,
		// else `[redacted]`".
		{strings.Repeat("M", 20), true},
		{strings.Repeat("M", 21), false},
		// Every ASCII letter is one, A to Z and a to z (a method is
		// case-sensitive, and the local server takes a lower-case one);
		// a digit is none, wherever it stands.
		{"PATCH", true},
		{"ZIP", true},
		{"az", true},
		{"get", true},
		{"1GET", false},
		{"GE7", false},
	}
	for _, c := range cases {
		before := len(logLines(t, h.logs.String()))
		res := h.do(c.method, "/sessions", "", nil)
		p := wantProblem(t, res, http.StatusMethodNotAllowed, session.ReasonMethodNotAllowed)
		lines := logLines(t, h.logs.String())
		if len(lines) != before+1 {
			t.Fatalf("%.20s: got %d new log lines; want 1", c.method, len(lines)-before)
		}
		line := lines[len(lines)-1]
		detail, _ := p["detail"].(string)
		if c.shown {
			if line["method"] != c.method || !strings.Contains(detail, c.method) {
				t.Errorf("%s: log method %v, detail %q; want the method shown", c.method, line["method"], detail)
			}
			continue
		}
		if line["method"] != "[redacted]" {
			t.Errorf("%.20s: log method = %.40v; want [redacted]", c.method, line["method"])
		}
		// (The detail alone: a random request id may hold "4111".)
		for _, part := range []string{"4111", "PSK_", "0123456789ABCDEF", jwt[:20]} {
			if strings.Contains(detail, part) {
				t.Errorf("%.20s: detail %.60q echoes %q", c.method, detail, part)
			}
		}
	}
}

// TestAbortedRequestIsLoggedOnce: "one structured log line per request"
// (Middleware's doc; CONVENTIONS). A handler that aborts its response with
// http.ErrAbortHandler (net/http's way to cut a response short without a
// stack trace) must still leave the request's line: the panic goes on to
// the server, which drops the connection, after the line is written. The
// line says 500 whatever status the handler had begun (it said 200 after
// a begun 200, which a metric filter on status >= 500 missed): the client
// got no whole response, and on Lambda API Gateway answers 500. The error
// names the status begun.
//
// Any other panic after the response began is a response cut short too:
// no error answer can follow what was written, and finishing it would
// hand the client the begun status (a 201 with half its body, or none) as
// if whole. It was finished so, its line said the begun status at INFO,
// and the panic and its stack were in no log (an error's text is logged
// at 500 only). It is aborted as net/http aborts a handler's panic, with
// its one line at 500, ERROR, naming the panic and the status begun.
func TestAbortedRequestIsLoggedOnce(t *testing.T) {
	tests := []struct {
		name   string
		before func(http.ResponseWriter) // what the handler wrote before aborting
		panic  any                       // how it aborted
		error  string                    // what the line's error holds
	}{
		{"nothing written", func(http.ResponseWriter) {}, http.ErrAbortHandler, "aborted the response"},
		{"headers written", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }, http.ErrAbortHandler, "aborted the response after beginning status 200"},
		{"body begun", func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated); _, _ = w.Write([]byte("{")) }, http.ErrAbortHandler, "after beginning status 201"},
		{"a panic after headers written", func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }, "boom", "panic: boom after beginning status 201\n"},
		{"a panic after the body begun", func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"id":`)) }, "boom", "panic: boom after beginning status 200\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
				Pattern: "GET /abort",
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tt.before(w)
					panic(tt.panic)
				}),
			}))
			func() {
				defer func() {
					if p := recover(); p != http.ErrAbortHandler {
						t.Errorf("panic after the middleware: got %v; want http.ErrAbortHandler", p)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/abort", nil))
			}()
			lines := logLines(t, logs.String())
			if got, want := len(lines), 1; got != want {
				t.Fatalf("log lines: got %v; want %v:\n%s", got, want, logs.String())
			}
			if got, want := lines[0]["request_id"], "req-1"; got != want {
				t.Errorf("request_id: got %v; want %v", got, want)
			}
			if got, want := lines[0]["status"], 500.0; got != want {
				t.Errorf("status: got %v; want %v", got, want)
			}
			if got, want := lines[0]["route"], "GET /abort"; got != want {
				t.Errorf("route: got %v; want %v", got, want)
			}
			// Whatever it began, the client never got a whole response:
			// net/http drops the connection (an unflushed 200 reaches the
			// client as no bytes at all), and on Lambda the panic is an
			// invocation error, API Gateway's 500. The line is the
			// service's failure: ERROR, INTERNAL, with the reason.
			if got, want := lines[0]["level"], "ERROR"; got != want {
				t.Errorf("level: got %v; want %v", got, want)
			}
			if got, want := lines[0]["code"], session.ReasonInternal; got != want {
				t.Errorf("code: got %v; want %v", got, want)
			}
			if got, ok := lines[0]["error"].(string); !ok || !strings.Contains(got, tt.error) {
				t.Errorf("error: got %v; want it to hold %q", lines[0]["error"], tt.error)
			}
		})
	}
}

// TestLogLineOfAnAnswerWithoutAWriteSays200: a handler that returns
// without writing is answered 200 by net/http (and so by the Lambda
// adapter): its line says the status the client got ("one structured log
// line per request", Middleware's doc; README's lines carry "the status"),
// not 0, and it is no failure (INFO, no code).
func TestLogLineOfAnAnswerWithoutAWriteSays200(t *testing.T) {
	var logs bytes.Buffer
	h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "" }, httpapi.NewRouter(
		httpapi.Route{Pattern: "GET /quiet", Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})},
	))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/quiet", nil))
	lines := logLines(t, logs.String())
	if len(lines) != 1 {
		t.Fatalf("log lines: got %d; want 1", len(lines))
	}
	if got, want := lines[0]["status"], float64(w.Code); got != want {
		t.Errorf("status: got %v; want %v (what the client got)", got, want)
	}
	if got, want := lines[0]["level"], "INFO"; got != want {
		t.Errorf("level: got %v; want %v", got, want)
	}
	if got, ok := lines[0]["code"]; ok {
		t.Errorf("code: got %v; want none", got)
	}
}

// TestLogLineLatencyIsMeasured: the request line's latency_ms is the time
// the request took, in milliseconds, not a value that is merely present
// (TestOneLogLinePerRequestWithoutSecrets checks only that): a handler that
// takes at least 30 ms is logged with at least 30 ms and at most what the
// caller measured around the whole request, so a loaded machine cannot
// fail it.
func TestLogLineLatencyIsMeasured(t *testing.T) {
	const slow = 30 * time.Millisecond
	var logs bytes.Buffer
	h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "" }, httpapi.NewRouter(
		httpapi.Route{Pattern: "GET /slow", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(slow); w.WriteHeader(204) })},
	))
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
	slowTook := time.Since(start)
	lines := logLines(t, logs.String())
	if len(lines) != 1 {
		t.Fatalf("log lines: got %d; want 1", len(lines))
	}
	got, ok := lines[0]["latency_ms"].(float64)
	if want := float64(slow.Milliseconds()); !ok || got < want || got > float64(slowTook.Microseconds())/1000 {
		t.Errorf("slow request latency_ms: got %v; want %v to %v", lines[0]["latency_ms"], want, float64(slowTook.Microseconds())/1000)
	}
}

// TestLogLineLatencyRunsFromTheHead: a request whose context notes when
// its head was read (WithHeadRead: make run, which reads the body before
// the middleware runs) is timed from then when no route took it (an
// answer in API Gateway's stead: the router's 404, "route":""), so a head
// read a second before logs at least 1000 ms; a routed one is timed from
// the middleware's start, as its function's work in Lambda (README: "a
// function's line, under `make run` as in Lambda, times the function's
// work, which starts once the whole body is in"). Before, an unrouted line
// left out the wait for the body (a 408 after a 10 s stall logged near 0),
// and then the router's 404 still did. Every line that answers an error
// carries its code, the router's own answers (its 405, 413 and 404) as a
// function's do: a client's error at INFO "with its code"
// (TestOneLogLinePerRequestWithoutSecrets).
func TestLogLineLatencyRunsFromTheHead(t *testing.T) {
	const before = time.Second
	for _, tt := range []struct {
		name     string
		method   string
		path     string
		length   int64 // the body's Content-Length
		route    string
		fromHead bool
		code     string // the line's code: the router's own answers note theirs too
	}{
		{"routed", "GET", "/fast", 0, "GET /fast", false, ""},
		{"HEAD of a GET route", "HEAD", "/fast", 0, "GET /fast", false, ""},
		// "a function's line, its 405 included"
		{"405 of another method", "DELETE", "/fast", 0, "/fast", false, session.ReasonMethodNotAllowed},
		{"413 of a body too large, refused by the router", "POST", "/up", httpapi.MaxBodyBytes + 1, "POST /up", false, session.ReasonBodyTooLarge},
		{"500 of a panic", "GET", "/panic", 0, "GET /panic", false, session.ReasonInternal},
		{"404 of a path no route takes", "GET", "/nowhere", 0, "", true, session.ReasonNotFound},
		{"404 of a path not in its canonical form", "GET", "/x/../fast", 0, "", true, session.ReasonNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "" }, httpapi.NewRouter(
				httpapi.Route{Pattern: "GET /fast", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })},
				httpapi.Route{Pattern: "POST /up", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })},
				httpapi.Route{Pattern: "GET /panic", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })},
			))
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(strings.Repeat("x", int(tt.length))))
			head := time.Now().Add(-before)
			began := time.Now()
			h.ServeHTTP(httptest.NewRecorder(), r.WithContext(httpapi.WithHeadRead(r.Context(), head)))
			took := float64(time.Since(began).Microseconds()) / 1000
			sinceHead := float64(time.Since(head).Microseconds()) / 1000
			lines := logLines(t, logs.String())
			if len(lines) != 1 {
				t.Fatalf("log lines: got %d; want 1", len(lines))
			}
			if got := lines[0]["route"]; got != tt.route {
				t.Errorf("route: got %v; want %q", got, tt.route)
			}
			if got, _ := lines[0]["code"].(string); got != tt.code {
				t.Errorf("code: got %q; want %q", got, tt.code)
			}
			got, limit := lines[0]["latency_ms"].(float64), float64(before.Milliseconds())
			if tt.fromHead && got < limit {
				t.Errorf("latency_ms: got %v; want at least %v (from the head)", got, limit)
			}
			// From the middleware's start: at most what the call took,
			// measured around it, however slow the machine; a line timed
			// from the head would be a second more. A fixed bound (under
			// 500 ms) failed only if the machine stalled the call that long.
			if !tt.fromHead && got > took {
				t.Errorf("latency_ms: got %v; want at most %v (from the middleware's start: the call took that)", got, took)
			}
			// README: "Such a line's latency runs from the end of the
			// request's head": in milliseconds, never more than the time
			// since the head, measured after the answer.
			if got > sinceHead {
				t.Errorf("latency_ms: got %v; want at most %v (the time since the head)", got, sinceHead)
			}
		})
	}
}

// panickingWriter is a ResponseWriter whose Write panics: the error
// writer's answer to a panic then panics itself.
type panickingWriter struct{ *httptest.ResponseRecorder }

func (w panickingWriter) Write([]byte) (int, error) { panic("write: connection gone") }

// TestPanicIsLoggedOnceWithoutItsSecrets: every panic, however it comes,
// gives the request exactly one log line (ERROR, status 500), and the
// line never holds a card number or a credential a panic's value carried
// ("never a token, key, secret or card number in a log"): a value can
// quote request data (panic(fmt.Sprintf("bad event %q", ev)), an error
// holding its input). Before anything was written the client gets the
// generic 500 problem; after, or when that answer itself panics, the
// response is cut off (http.ErrAbortHandler).
func TestPanicIsLoggedOnceWithoutItsSecrets(t *testing.T) {
	const (
		card   = "4111 1111 1111 1111"
		secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		key    = "psk_0123456789abcdef_x"
		jwt    = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
	)
	tests := []struct {
		name    string
		method  string
		w       func() http.ResponseWriter
		before  func(http.ResponseWriter)
		panic   any
		hidden  string // what the line must not hold (whole: its stack trace may show "goroutine 4111")
		aborted bool   // the response is cut off, not answered 500
		error   string // what the line's error holds
	}{
		{"nil, nothing written", "GET", nil, func(http.ResponseWriter) {}, nil, "", false, "panic called with nil argument"},
		{"a card number, nothing written", "GET", nil, func(http.ResponseWriter) {}, "bad pan " + card, card, false, "panic: [redacted] (string)"},
		{"a card number after the body begun", "GET", nil, func(w http.ResponseWriter) { _, _ = w.Write([]byte("{")) }, fmt.Errorf("decode %q", card), card, true, "panic: [redacted] (*errors.errorString) after beginning status 200"},
		{"a key's secret", "GET", nil, func(http.ResponseWriter) {}, "secret " + secret, secret[:40], false, "[redacted]"},
		{"an API key", "GET", nil, func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }, "key " + key, "psk_", true, "[redacted]"},
		{"a bearer token", "GET", nil, func(http.ResponseWriter) {}, errors.New("token " + jwt), "eyJzdWIi", false, "[redacted]"},
		// README: "A panic's value is logged (with its stack) only when it
		// holds no card number", and a card number is one "in any script's
		// digits": bytes print as decimal numbers under %v, which read as
		// characters one byte a character are no digits here; as text
		// (%s) they are a full-width card number.
		{"a full-width card number as bytes", "GET", nil, func(http.ResponseWriter) {}, []byte("pan \uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"), "[112 97 110 32 239", false, "panic: [redacted] ([]uint8)"},
		{"a HEAD after headers", "HEAD", nil, func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK); _, _ = w.Write([]byte("x")) }, "boom", "", true, "panic: boom after beginning status 200"},
		{"the answer to the panic panics", "GET", func() http.ResponseWriter { return panickingWriter{httptest.NewRecorder()} }, func(http.ResponseWriter) {}, "boom", "", true, "answering it: panic: write: connection gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
				Pattern: "/panic",
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tt.before(w)
					panic(tt.panic)
				}),
			}))
			rec := httptest.NewRecorder()
			var w http.ResponseWriter = rec
			if tt.w != nil {
				w = tt.w()
			}
			var p any
			func() {
				defer func() { p = recover() }()
				h.ServeHTTP(w, httptest.NewRequest(tt.method, "/panic", nil))
			}()
			if tt.aborted && p != http.ErrAbortHandler {
				t.Errorf("panic after the middleware: got %v; want http.ErrAbortHandler", p)
			}
			if !tt.aborted {
				if p != nil {
					t.Errorf("panic after the middleware: got %v; want none", p)
				}
				if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != "application/problem+json" {
					t.Errorf("answer: got %d %q; want 500 application/problem+json", rec.Code, rec.Header().Get("Content-Type"))
				}
			}
			lines := logLines(t, logs.String())
			if got, want := len(lines), 1; got != want {
				t.Fatalf("log lines: got %v; want %v:\n%s", got, want, logs.String())
			}
			if lines[0]["level"] != "ERROR" || lines[0]["status"] != 500.0 {
				t.Errorf("line: level %v status %v; want ERROR 500", lines[0]["level"], lines[0]["status"])
			}
			if got, ok := lines[0]["error"].(string); !ok || !strings.Contains(got, tt.error) {
				t.Errorf("error: got %v; want it to hold %q", lines[0]["error"], tt.error)
			}
			if tt.hidden != "" && strings.Contains(logs.String(), tt.hidden) {
				t.Errorf("the log holds %q:\n%s", tt.hidden, logs.String())
			}
		})
	}
}

// TestPanicValueIsLoggedCut: a panic's text is logged as its first KiB,
// marked with its length (a 64 KB value must not make a 64 KB log line),
// and the cut weakens no redaction: a card number straddling the cut
// redacts the value (its first digits are not logged), and so does a cut
// that makes one (the first 16 digits of a 20-digit reference are a Visa
// number). Only the line's panic value is searched, not its stack trace.
func TestPanicValueIsLoggedCut(t *testing.T) {
	tests := []struct {
		name   string
		panic  any
		want   string // the value as logged ("panic: " + want); prefix if cut
		cut    bool   // cut, marked with the value's length
		hidden string // what the logged value must not hold
	}{
		{"a short value, whole", "boom", "boom", false, ""},
		{"64 KiB of text", strings.Repeat("abc ", 16384), strings.Repeat("abc ", 256), true, ""},
		{"exactly 1 KiB, whole", strings.Repeat("abc ", 256), strings.Repeat("abc ", 256), false, ""},
		{"a card number straddling the cut", strings.Repeat("ab ", 340) + "4111 1111 1111 1111" + strings.Repeat(" ab", 100), "[redacted] (string)", false, "4111"},
		{"a cut making a card number of a 20-digit reference", strings.Repeat("ab ", 336) + "41111111111111111234" + strings.Repeat(" ab", 100), "[redacted] (string)", false, "4111"},
		{"a cut inside a character", "x" + strings.Repeat("é", 2000), "x" + strings.Repeat("é", 511), true, ""},
		// README: "Only its first KiB is logged (`... [truncated: N
		// bytes]`)": a first KiB with no character boundary after its
		// start (bytes that continue a character, and none that starts
		// one) keeps nothing of the text, and is still the mark.
		{"no character boundary in the first KiB", strings.Repeat("\x80", 2000), "", true, ""},
		// %v prints bytes as decimal numbers, a card number no rule reads.
		{"a card number in a []byte", []byte("4111 1111 1111 1111"), "[redacted] ([]uint8)", false, "52 49 49 49"},
		{"a card number in a struct's []byte", struct{ Ref []byte }{[]byte("ref 4111111111111111")}, "[redacted] (struct { Ref []uint8 })", false, "52 49 49 49"},
		{"bytes that hold no secret, as %v prints them", []byte("boom"), "[98 111 111 109]", false, ""},
		// %v and %s print a []rune (or any integer slice) as decimal
		// numbers alike: the numbers are read as the characters they code.
		{"a card number in a struct's []rune", struct{ Ref []rune }{[]rune("ref 4111111111111111")}, "[redacted] (struct { Ref []int32 })", false, "52 49 49 49"},
		{"a card number in a []rune", []rune("ref 4111111111111111"), "[redacted] ([]int32)", false, "52 49 49 49"},
		{"a card number in runes, one list to a group", [][]rune{[]rune("4111"), []rune("1111"), []rune("1111"), []rune("1111")}, "[redacted] ([][]int32)", false, "52 49 49 49"},
		{"a card number in runes, a list of one digit and one of the rest", struct{ A, B []rune }{[]rune("4"), []rune("072103908391433")}, "[redacted] (struct { A []int32; B []int32 })", false, "48 55 50 49"},
		// Each list is its own text: a list's digits do not run on into the
		// next list's, where a card number would read as part of a longer
		// block ("1" before "4111111111111111" is no 17-digit number).
		{"a card number in runes, after a list of one digit", struct{ A, B []rune }{[]rune("1"), []rune("4111111111111111")}, "[redacted] (struct { A []int32; B []int32 })", false, "52 49 49 49"},
		{"a card number in runes, empty lists between its groups", [][]rune{[]rune("4111"), {}, {}, {}, []rune("1111"), {}, {}, {}, []rune("1111"), {}, {}, {}, []rune("1111")}, "[redacted] ([][]int32)", false, "52 49 49 49"},
		{"an API key in a []rune", []rune("psk_0a1b2c3d_x"), "[redacted] ([]int32)", false, "112 115 107 95"},
		{"a key's secret in a []uint16", []uint16{0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47}, "[redacted] ([]uint16)", false, "97 98 99"},
		{"runes that hold no secret", []rune("boom"), "[98 111 111 109]", false, ""},
		{"numbers that code no character", []int{-1, 1114112, 55296, 4111}, "[-1 1114112 55296 4111]", false, ""},
		// README: "only when it holds no card number": a number that codes
		// no character ends a run of digits, and the run after it is read.
		{"a card number after a number that codes no character", []int{-1, '4', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1'}, "[redacted] ([]int)", false, "52 49 49 49"},
		// A number that codes no character codes none wherever it
		// stands, negative ones included: the card number before it stays
		// one (not the first 16 of 20 digits), and the list is read on
		// after it.
		{"a card number before negative numbers", []int{'4', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', -'1', -'1', -'1', -'1'}, "[redacted] ([]int)", false, "52 49 49 49"},
		{"a card number after a negative number within a list", []int{1, -1, '4', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1', '1'}, "[redacted] ([]int)", false, "52 49 49 49"},
		// README: "judged whole and again as cut": the cut leaves the list
		// open after the first 16 of a 20-digit reference, a card number
		// (neither the whole value's numbers nor its characters hold one),
		// and the open list is read to its last number.
		{"a card number a cut makes in an open list", struct {
			S string
			R []rune
		}{strings.Repeat("x ", 487), []rune("47677204411649183963")}, "[redacted] (struct { S string; R []int32 })", false, "52 55 54 55"},
		// Only a list, as fmt prints a slice, is read as characters: the
		// same numbers in running text are numbers, and logged.
		{"numbers outside a list", "codes 52 49 49 49 49 49 49 49 49 49 49 49 49 49 49 49", "codes 52 49 49 49 49 49 49 49 49 49 49 49 49 49 49 49", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
				Pattern: "/panic",
				Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(tt.panic) }),
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status: got %d; want 500", rec.Code)
			}
			var line struct{ Error string }
			dec := json.NewDecoder(&logs)
			if err := dec.Decode(&line); err != nil || dec.More() {
				t.Fatalf("log: got %v (more %v); want one JSON line", err, dec.More())
			}
			value, _, _ := strings.Cut(line.Error, "\n") // the stack trace follows the value
			_, value, ok := strings.Cut(value, "panic: ")
			if !ok {
				t.Fatalf("error: got %.200q; want it to begin with the panic", line.Error)
			}
			if tt.hidden != "" && strings.Contains(value, tt.hidden) {
				t.Errorf("the logged value holds %q: %.2000q", tt.hidden, value)
			}
			want := tt.want
			if tt.cut {
				want += fmt.Sprintf("... [truncated: %d bytes]", len(fmt.Sprint(tt.panic)))
			}
			if value != want {
				t.Errorf("logged value (%d bytes): got %.200q...; want %.200q... (%d bytes)", len(value), value, want, len(want))
			}
		})
	}
}

// unprintable is a panic value whose String panics with itself: fmt
// recovers the first panic and formats its value, whose String panics
// again, and that second panic fmt lets through.
type unprintable struct{}

func (unprintable) String() string { panic(unprintable{}) }

// TestPanicValueThatPanicsWhenFormattedIsLogged: the middleware formats a
// panic's value for the log inside the function that recovered it, so a
// value that cannot be formatted must not panic there: the request is
// still a logged 500 (the value named by its type), and serving goes on.
// Before, the second panic escaped ServeHTTP (net/http's recovery formats
// the value again, panics in its own deferred function, and the process
// dies).
func TestPanicValueThatPanicsWhenFormattedIsLogged(t *testing.T) {
	var logs bytes.Buffer
	h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" }, httpapi.NewRouter(httpapi.Route{
		Pattern: "/panic",
		Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(unprintable{}) }),
	}))
	rec := httptest.NewRecorder()
	escaped := func() (p any) {
		defer func() { p = recover() }()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
		return nil
	}()
	if escaped != nil {
		t.Fatalf("ServeHTTP panicked with %T; want a 500", escaped)
	}
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status: got %d; want 500", rec.Code)
	}
	lines := logLines(t, logs.String())
	if len(lines) != 1 {
		t.Fatalf("log: got %d lines; want 1:\n%s", len(lines), &logs)
	}
	got, _ := lines[0]["error"].(string)
	value, _, _ := strings.Cut(got, "\n") // the stack trace follows the value
	if want := "panic: [unprintable] (httpapi_test.unprintable)"; !strings.HasSuffix(value, want) {
		t.Errorf("error: got %.200q; want it to end %q", value, want)
	}
}

// TestMadeRequestIDsDiffer: docs/design.md, a problem document carries
// "the `requestId` of the request's log line". Where the platform gives no
// id (the local servers), Middleware makes one per request, a UUID, and no
// two requests share it, so an answer's id finds its one line (r95-mutate:
// a made id that was the same for every request passed every test).
func TestMadeRequestIDsDiffer(t *testing.T) {
	h := httpapi.Middleware(slog.New(slog.DiscardHandler), func(*http.Request) string { return "" },
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	seen := map[string]bool{}
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/sessions", nil))
		id := w.Header().Get("X-Request-Id")
		if _, err := uuid.Parse(id); err != nil || seen[id] {
			t.Errorf("X-Request-Id = %q (a UUID: %v; seen before: %v); want a UUID of its own", id, err == nil, seen[id])
		}
		seen[id] = true
	}
}
