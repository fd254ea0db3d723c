package samlocal

import (
	"bufio"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRouteSelectionIsNotDeclarationOrder: README ("Routes"): "The most
// specific route wins: one without a greedy {proxy+} before one with it,
// literal segments before variables, the request's method before ANY", and
// the developer guide's "Routing API requests": a full match before a
// match with a greedy path variable. Each row's routes are declared least
// specific first, so a router that kept the first match it met, or looked
// at literals only after the first segment, picks the wrong one. Path
// parameters, a greedy one's included, are decoded ("API Gateway decodes
// URL-encoded request parameters"), a path's + staying a plus (only a
// query's + is a space).
func TestRouteSelectionIsNotDeclarationOrder(t *testing.T) {
	for _, tt := range []struct {
		routes       []string
		method, path string
		want         string
		params       map[string]string
	}{
		{[]string{"GET /pets/dog/{id}", "GET /pets/dog/1"}, "GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{[]string{"GET /{id}", "GET /a"}, "GET", "/a", "GET /a", nil},
		{[]string{"GET /{id}/b", "GET /a/{id}"}, "GET", "/a/b", "GET /a/{id}", map[string]string{"id": "b"}},
		// A full match beats a greedy one however many literals the greedy
		// route has.
		{[]string{"GET /x/{proxy+}", "GET /{a}/{b}"}, "GET", "/x/y", "GET /{a}/{b}", map[string]string{"a": "x", "b": "y"}},
		{[]string{"GET /{a}/{b}", "GET /x/{proxy+}"}, "GET", "/x/y", "GET /{a}/{b}", map[string]string{"a": "x", "b": "y"}},
		// Between two greedy routes, the one with more of the path as its
		// own segments.
		{[]string{"ANY /{proxy+}", "ANY /{a}/{proxy+}"}, "GET", "/x/y/z", "ANY /{a}/{proxy+}", map[string]string{"a": "x", "proxy": "y/z"}},
		{[]string{"ANY /{a}/{proxy+}", "ANY /{proxy+}"}, "GET", "/x/y/z", "ANY /{a}/{proxy+}", map[string]string{"a": "x", "proxy": "y/z"}},
		{[]string{"ANY /files/{proxy+}"}, "GET", "/files/a%20b/c%2Fd", "ANY /files/{proxy+}", map[string]string{"proxy": "a b/c/d"}},
		{[]string{"GET /sessions/{sessionId}"}, "GET", "/sessions/a+b", "GET /sessions/{sessionId}", map[string]string{"sessionId": "a+b"}},
	} {
		rt, params := routerOf(t, tt.routes...).match(tt.method, tt.path)
		got := ""
		if rt != nil {
			got = rt.key.String()
		}
		if got != tt.want || !maps.Equal(params, tt.params) && len(params)+len(tt.params) > 0 {
			t.Errorf("routes %q: %s %s got %q %v; want %q %v", tt.routes, tt.method, tt.path, got, params, tt.want, tt.params)
		}
	}
}

// TestEventTimeIsUTC: requestContext.time is the request's time in UTC, as
// API Gateway writes it ("time": "12/Mar/2020:19:03:58 +0000", the
// developer guide's format 2.0 example), whatever the local zone is.
func TestEventTimeIsUTC(t *testing.T) {
	now := time.Date(2026, 11, 23, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	r := httptest.NewRequest("GET", "/sessions", nil)
	ev := gateway{}.newEvent(r, nil, &route{key: RouteKey{Method: "ANY", Path: "/sessions"}}, nil, "Xk3p9gHYoAMEbvQ=", now)
	if got, want := ev.RequestContext.Time, "23/Nov/2026:10:00:00 +0000"; got != want {
		t.Errorf("requestContext.time got %q; want %q", got, want)
	}
}

// TestGatewayErrorsAreTheReadmes: the gateway's own answers are the
// README's statuses and bodies, in application/json ("No match is `404
// {"message":"Not Found"}`", "`400 {"message":"Bad Request"}`", "`408
// {"message":"Request Timeout"}`", "`431 {"message":"Request Header Fields
// Too Large"}`", "`413 {"message":"Request Entity Too Large"}`", "`500
// {"message":"Internal Server Error"}`", "`503 {"message":"Service
// Unavailable"}`"). The tests of the paths to each compare with these
// values themselves, so a wrong status here went unseen (500 sent as 502
// passed every test).
func TestGatewayErrorsAreTheReadmes(t *testing.T) {
	for _, tt := range []struct {
		e      gatewayError
		status int
		body   string
	}{
		{gatewayNotFound, 404, `{"message":"Not Found"}`},
		{gatewayBadRequest, 400, `{"message":"Bad Request"}`},
		{gatewayTooLarge, 413, `{"message":"Request Entity Too Large"}`},
		{gatewayRequestTimeout, 408, `{"message":"Request Timeout"}`},
		{gatewayHeaderTooLarge, 431, `{"message":"Request Header Fields Too Large"}`},
		{gatewayInternal, 500, `{"message":"Internal Server Error"}`},
		{gatewayUnavailable, 503, `{"message":"Service Unavailable"}`},
	} {
		w := httptest.NewRecorder()
		tt.e.write(w)
		if w.Code != tt.status || w.Body.String() != tt.body || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("got %d %q %s; want %d application/json %s", w.Code, w.Header().Get("Content-Type"), w.Body, tt.status, tt.body)
		}
	}
}

// TestAnswerSendsEachCookie: format 2.0's cookies are "each cookie becomes
// a set-cookie header" (the developer guide's "Payload format
// differences"): a response with two cookies reaches the client with two
// Set-Cookie headers, not the last one alone.
func TestAnswerSendsEachCookie(t *testing.T) {
	res, err := parseResponse([]byte(`{"statusCode":200,"cookies":["a=1; Path=/","b=2"],"body":"ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { res.write(w) }))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got, want := resp.Header.Values("Set-Cookie"), []string{"a=1; Path=/", "b=2"}; !slices.Equal(got, want) {
		t.Errorf("Set-Cookie got %q; want %q", got, want)
	}
}

// TestAccessLineFillsTheVariables: the access line fills each $context
// variable as API Gateway does ("Customizing HTTP API access logs"):
// requestTime CLF-formatted ("dd/MMM/yyyy:HH:mm:ss +-hhmm", in UTC as API
// Gateway writes it), requestTimeEpoch in milliseconds (as the event's
// timeEpoch), sourceIp "the source IP address of the TCP connection",
// responseLength the bytes of the answer, status the one sent,
// integrationLatency only for a request that reached a function, and a
// variable without a value "-" (logAccess' doc comment: "a variable
// without a value is "-", as in API Gateway's logs"). A value with a quote or a backslash is
// escaped, so the template's JSON format stays JSON.
func TestAccessLineFillsTheVariables(t *testing.T) {
	const format = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",` +
		`"requestTime":"$context.requestTime","requestTimeEpoch":"$context.requestTimeEpoch","routeKey":"$context.routeKey",` +
		`"stage":"$context.stage","status":"$context.status","responseLength":"$context.responseLength",` +
		`"integrationLatency":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage",` +
		`"errorMessage":"$context.error.message","apiId":"$context.apiId","accountId":"$context.accountId"}`
	start := time.Date(2026, 11, 23, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tt := range []struct {
		name   string
		rec    accessRecord
		answer func(w http.ResponseWriter)
		want   map[string]string
	}{
		{
			name: "a function's answer",
			rec:  accessRecord{routeKey: "GET /items", integrated: true, integrationLatency: 42 * time.Millisecond, integrationStatus: 201},
			answer: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte("hello"))
			},
			want: map[string]string{"routeKey": "GET /items", "status": "201", "responseLength": "5", "integrationLatency": "42", "integrationError": "-", "errorMessage": "-"},
		},
		{
			name:   "the gateway's own 404",
			rec:    accessRecord{errorMessage: gatewayNotFound.message},
			answer: gatewayNotFound.write,
			want:   map[string]string{"routeKey": "-", "status": "404", "responseLength": "23", "integrationLatency": "-", "integrationError": "-", "errorMessage": "Not Found"},
		},
		{
			name:   "a failed invocation, its error quoted",
			rec:    accessRecord{routeKey: "GET /items", integrated: true, integrationError: `exit "2" \ crash`, errorMessage: gatewayInternal.message},
			answer: gatewayInternal.write,
			want:   map[string]string{"routeKey": "GET /items", "status": "500", "responseLength": "35", "integrationLatency": "0", "integrationError": `exit "2" \ crash`, "errorMessage": "Internal Server Error"},
		},
		{
			name: "an answer written without WriteHeader is a 200",
			rec:  accessRecord{routeKey: "GET /items", integrated: true},
			answer: func(w http.ResponseWriter) {
				_, _ = w.Write([]byte("ok"))
				w.WriteHeader(http.StatusTeapot) // superfluous: the 200 is sent
			},
			want: map[string]string{"routeKey": "GET /items", "status": "200", "responseLength": "2", "integrationLatency": "0", "integrationError": "-", "errorMessage": "-"},
		},
	} {
		var logs strings.Builder
		s := &Stack{Template: &Template{AccessLogFormat: format}, log: &logs, gw: gateway{accountID: "123456789012", apiID: "localtest"}}
		r := httptest.NewRequest("GET", "/items", nil)
		r.RemoteAddr = "203.0.113.10:54321"
		r.Header.Set("User-Agent", `curl "8"`)
		rec := tt.rec
		rec.requestID, rec.start, rec.r = "Xk3p9gHYoAMEbvQ=", start, r
		cw := &countingWriter{ResponseWriter: httptest.NewRecorder()}
		tt.answer(cw)
		s.logAccess(&rec, cw)
		want := map[string]string{"requestId": "Xk3p9gHYoAMEbvQ=", "ip": "203.0.113.10", "userAgent": `curl "8"`,
			"requestTime": "23/Nov/2026:10:00:00 +0000", "requestTimeEpoch": strconv.FormatInt(start.UnixMilli(), 10),
			"stage": "$default", "apiId": "localtest", "accountId": "123456789012"}
		maps.Copy(want, tt.want)
		got := accessLine(t, logs.String())
		if !maps.Equal(got, want) {
			t.Errorf("%s: got %v; want %v", tt.name, got, want)
		}
	}
	var logs strings.Builder
	s := &Stack{Template: &Template{}, log: &logs}
	s.logAccess(&accessRecord{start: start, r: httptest.NewRequest("GET", "/items", nil)}, &countingWriter{ResponseWriter: httptest.NewRecorder()})
	if logs.Len() != 0 {
		t.Errorf("a template without an access log format logged %q; want nothing", logs.String())
	}
}

// TestReadBodyFailureIsNotATimeout: ReadBody's doc: a read that fails (a
// body that ends before its Content-Length, a chunk size that is not
// hexadecimal, a chunk longer than its size) returns that error, and only
// a read cut off by the bound, or failing once it has passed, is
// os.ErrDeadlineExceeded. The caller answers the first 400 (README: "so is
// a body that cannot be read (chunked framing broken)") and the second 408
// with the connection closed. Each row's read fails at once, well within
// the bound, on a real connection (one that takes a read deadline: the
// recorder of the other tests does not, and the rule went untested).
func TestReadBodyFailureIsNotATimeout(t *testing.T) {
	type outcome struct {
		timedOut bool
		err      error
	}
	got := make(chan outcome, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, err := ReadBody(w, r, DefaultBodyTimeout)
		got <- outcome{errors.Is(err, os.ErrDeadlineExceeded), err}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name, head, body string
		fails            bool
	}{
		{"a whole chunked body (the control)", "Transfer-Encoding: chunked\r\n", "2\r\nok\r\n0\r\n\r\n", false},
		{"a chunk size that is not hexadecimal", "Transfer-Encoding: chunked\r\n", "zz\r\nab\r\n0\r\n\r\n", true},
		{"a chunk longer than its size", "Transfer-Encoding: chunked\r\n", "2\r\nabc\r\n0\r\n\r\n", true},
		{"a body that ends before its Content-Length", "Content-Length: 10\r\n", "abc", true},
	} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(c, "POST /sessions HTTP/1.1\r\nHost: x\r\n"+tt.head+"\r\n"+tt.body); err != nil {
			t.Fatal(err)
		}
		_ = c.(*net.TCPConn).CloseWrite() // the body ends here
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			_ = resp.Body.Close()
		}
		_ = c.Close()
		o := <-got
		if (o.err != nil) != tt.fails || o.timedOut {
			t.Errorf("%s: err %v, a timeout %v; want an error %v, no timeout", tt.name, o.err, o.timedOut, tt.fails)
		}
	}
}
