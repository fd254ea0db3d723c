package samlocal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/paysessions/paysessions/shared/httpapi"
)

func routerOf(t *testing.T, keys ...string) *router {
	t.Helper()
	fn := &Function{LogicalID: "F"}
	for _, k := range keys {
		m, p, _ := strings.Cut(k, " ")
		fn.Routes = append(fn.Routes, RouteKey{Method: m, Path: p})
	}
	r, err := newRouter([]*Function{fn})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRouteSelection follows the developer guide's "Routing API requests":
// "API Gateway prioritizes routes with the most-specific match", a greedy
// variable below any other path, a route for the method before ANY.
func TestRouteSelection(t *testing.T) {
	r := routerOf(t,
		"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}",
		"POST /sessions", "ANY /sessions", "GET /sessions/{sessionId}", "ANY /sessions/{sessionId}",
		"POST /sessions/{sessionId}/events", "ANY /sessions/{sessionId}/events",
	)
	tests := []struct {
		method, path string
		want         string // "" = no route: API Gateway's 404
		params       map[string]string
	}{
		// The guide's example.
		{"GET", "/pets/dog/1", "GET /pets/dog/1", nil},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", map[string]string{"id": "2"}},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", map[string]string{"proxy": "cat/1"}},
		{"GET", "/test", "ANY /{proxy+}", map[string]string{"proxy": "test"}},
		{"POST", "/pets/dog/1", "ANY /{proxy+}", map[string]string{"proxy": "pets/dog/1"}},
		// The template's pairs of a method and ANY (lead's decision 2).
		{"POST", "/sessions", "POST /sessions", nil},
		{"GET", "/sessions", "ANY /sessions", nil},
		{"GET", "/sessions/abc", "GET /sessions/{sessionId}", map[string]string{"sessionId": "abc"}},
		{"DELETE", "/sessions/abc", "ANY /sessions/{sessionId}", map[string]string{"sessionId": "abc"}},
		{"POST", "/sessions/abc/events", "POST /sessions/{sessionId}/events", map[string]string{"sessionId": "abc"}},
		{"GET", "/sessions/abc/events", "ANY /sessions/{sessionId}/events", map[string]string{"sessionId": "abc"}},
		// Path parameters are decoded (a second time: the path routed is
		// already decoded once, httpapi.GatewayPath); a %2F left by the
		// first decoding (a client's %252F) stays in one segment.
		{"GET", "/sessions/a%2Fb%20c", "GET /sessions/{sessionId}", map[string]string{"sessionId": "a/b c"}},
	}
	for _, tt := range tests {
		rt, params := r.match(tt.method, tt.path)
		got := ""
		if rt != nil {
			got = rt.key.String()
		}
		if got != tt.want || (rt != nil && !maps.Equal(params, tt.params) && len(params)+len(tt.params) > 0) {
			t.Errorf("%s %s matched %q %v; want %q %v", tt.method, tt.path, got, params, tt.want, tt.params)
		}
	}

	only := routerOf(t, "POST /sessions", "ANY /sessions", "GET /sessions/{sessionId}", "GET /files/{proxy+}")
	for _, path := range []string{"/", "/session", "/Sessions", "/sessions/", "/sessions//", "/sessions/a/b", "/other", "/files", "/files/"} {
		if rt, _ := only.match("GET", path); rt != nil {
			t.Errorf("GET %s matched %s; want no route (404)", path, rt.key)
		}
	}
}

func TestRouterRefusesBadTemplates(t *testing.T) {
	for _, keys := range [][]string{
		{"GET /a/{proxy+}/b"},
		{"GET /a", "GET /a"},
		{"GET a"},
	} {
		fn := &Function{LogicalID: "F"}
		for _, k := range keys {
			m, p, _ := strings.Cut(k, " ")
			fn.Routes = append(fn.Routes, RouteKey{Method: m, Path: p})
		}
		if _, err := newRouter([]*Function{fn}); err == nil {
			t.Errorf("newRouter(%v) = nil error; want a refusal", keys)
		}
	}
}

func eventFor(t *testing.T, r *http.Request, body []byte, routeKey string) event {
	t.Helper()
	routed, _, ok := httpapi.GatewayPath(r.URL.EscapedPath())
	if !ok {
		t.Fatalf("%s %s: API Gateway refuses the path", r.Method, r.URL)
	}
	rt, params := routerOf(t, routeKey).match(r.Method, routed)
	if rt == nil {
		t.Fatalf("%s %s does not match %s", r.Method, r.URL, routeKey)
	}
	g := gateway{accountID: "123456789012", apiID: "localtest"}
	return g.newEvent(r, body, rt, params, "Xk3p9gHYoAMEbvQ=", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
}

// TestEventIsAPIGatewaysPayload2 builds an event from a request and checks
// it field by field against the payload format 2.0 as the developer guide
// describes it ("Duplicate headers are combined with commas", "All cookie
// headers in the request are combined ... and added to the cookies field",
// "All headernames are lowercased").
func TestEventIsAPIGatewaysPayload2(t *testing.T) {
	body := []byte(`{"status":"AUTHORISED"}`)
	r := httptest.NewRequest("POST", "http://api.example:3000/sessions/%7B6f1c%208e%2525%7D/events?a=1&b=x%20y&a=2&flag", bytes.NewReader(body))
	r.RemoteAddr = "203.0.113.10:54321"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "curl/8.5.0")
	r.Header.Add("X-Repeat", "one")
	r.Header.Add("X-Repeat", "two")
	r.Header.Add("Cookie", "s=1; t=2")
	r.Header.Add("Cookie", "u=3")
	r.Header.Set("Authorization", "Bearer tok")
	ev := eventFor(t, r, body, "POST /sessions/{sessionId}/events")

	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "POST /sessions/{sessionId}/events"},
		{"rawPath (decoded twice, as HTTP APIs deliver it)", ev.RawPath, "/sessions/{6f1c 8e%}/events"},
		{"rawQueryString", ev.RawQueryString, "a=1&b=x%20y&a=2&flag"},
		{"cookies", strings.Join(ev.Cookies, "|"), "s=1|t=2|u=3"},
		{"headers.x-repeat", ev.Headers["x-repeat"], "one,two"},
		{"headers.content-type", ev.Headers["content-type"], "application/json"},
		{"headers.authorization", ev.Headers["authorization"], "Bearer tok"},
		{"headers.host", ev.Headers["host"], "api.example:3000"},
		{"headers.x-forwarded-for", ev.Headers["x-forwarded-for"], "203.0.113.10"},
		{"headers.x-forwarded-port", ev.Headers["x-forwarded-port"], "3000"},
		{"headers.x-forwarded-proto", ev.Headers["x-forwarded-proto"], "http"},
		{"headers.content-length", ev.Headers["content-length"], "23"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"queryStringParameters", ev.QueryStringParameters, map[string]string{"a": "1,2", "b": "x y", "flag": ""}},
		{"pathParameters", ev.PathParameters, map[string]string{"sessionId": "{6f1c 8e%}"}},
		{"body", ev.Body, string(body)},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"requestContext.accountId", ev.RequestContext.AccountID, "123456789012"},
		{"requestContext.apiId", ev.RequestContext.APIID, "localtest"},
		{"requestContext.domainName", ev.RequestContext.DomainName, "api.example"},
		{"requestContext.domainPrefix", ev.RequestContext.DomainPrefix, "api"},
		{"requestContext.http.method", ev.RequestContext.HTTP.Method, "POST"},
		{"requestContext.http.path", ev.RequestContext.HTTP.Path, "/sessions/{6f1c 8e%}/events"},
		{"requestContext.http.protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"requestContext.http.sourceIp", ev.RequestContext.HTTP.SourceIP, "203.0.113.10"},
		{"requestContext.http.userAgent", ev.RequestContext.HTTP.UserAgent, "curl/8.5.0"},
		{"requestContext.requestId", ev.RequestContext.RequestID, "Xk3p9gHYoAMEbvQ="},
		{"requestContext.routeKey", ev.RequestContext.RouteKey, "POST /sessions/{sessionId}/events"},
		{"requestContext.stage", ev.RequestContext.Stage, "$default"},
		{"requestContext.time", ev.RequestContext.Time, "23/Nov/2026:10:00:00 +0000"},
		{"requestContext.timeEpoch", ev.RequestContext.TimeEpoch, int64(1795428000000)},
	}
	for _, c := range checks {
		if m, ok := c.want.(map[string]string); ok {
			if !maps.Equal(c.got.(map[string]string), m) {
				t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
			}
			continue
		}
		if c.got != c.want {
			t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
		}
	}
	if tr := ev.Headers["x-amzn-trace-id"]; !strings.HasPrefix(tr, "Root=1-") {
		t.Errorf("x-amzn-trace-id = %q; want an X-Ray trace header", tr)
	}
	for name := range ev.Headers {
		if name != strings.ToLower(name) {
			t.Errorf("header %q is not lower case", name)
		}
	}

	// The event decodes into aws-lambda-go's type, which the functions use.
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.RequestContext.HTTP.Method != "POST" || got.PathParameters["sessionId"] != "{6f1c 8e%}" || got.Body != string(body) {
		t.Errorf("decoded as %+v", got)
	}
}

// The event has the members of the events/ samples, which are API
// Gateway's, and no others: an empty query has no queryStringParameters, a
// route without variables no pathParameters, a request without a body no
// body.
func TestEventMembersAreTheSamples(t *testing.T) {
	for _, tt := range []struct {
		sample, method, target, routeKey string
		body                             string
	}{
		{"get-session.json", "GET", "/sessions/6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b", "GET /sessions/{sessionId}", ""},
		{"create-session.json", "POST", "/sessions", "POST /sessions", `{"amount":1}`},
	} {
		raw, err := os.ReadFile(filepath.Join(repoRoot, "events", tt.sample))
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
		if tt.body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		ev, err := json.Marshal(eventFor(t, r, []byte(tt.body), tt.routeKey))
		if err != nil {
			t.Fatal(err)
		}
		want, got := members(t, raw), members(t, ev)
		if !slices.Equal(got, want) {
			t.Errorf("event members for %s:\n got %v\nwant %v (events/%s)", tt.routeKey, got, want, tt.sample)
		}
	}
}

// members lists an object's member paths, headers' names left out.
func members(t *testing.T, raw []byte) []string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			out = append(out, prefix+k)
			if sub, ok := v.(map[string]any); ok && k != "headers" && k != "pathParameters" && k != "queryStringParameters" {
				walk(prefix+k+".", sub)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return out
}

// HTTP APIs pass a body as text only for text types that are not
// content-encoded; anything else arrives in base64 with isBase64Encoded.
func TestEventBodyEncoding(t *testing.T) {
	binary := []byte{0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe}
	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        []byte
		base64      bool
	}{
		{"json", "application/json", "", []byte(`{"a":1}`), false},
		{"json with charset", "application/json; charset=utf-8", "", []byte(`{"a":1}`), false},
		{"text", "text/plain", "", []byte("hello"), false},
		{"xml", "application/xml", "", []byte("<a/>"), false},
		{"javascript", "application/javascript", "", []byte("f(1)"), false},
		{"html", "text/html; charset=utf-8", "", []byte("<p>é</p>"), false},
		{"identity is no content coding", "application/json", "identity", []byte(`{"a":1}`), false},
		{"json-like but not json", "application/problem+json", "", []byte(`{"a":1}`), true},
		{"gzip json", "application/json", "gzip", binary, true},
		// newEvent: "not content-encoded": base64 whatever the bytes, as a
		// gzip body may happen to be valid UTF-8.
		{"gzip-encoded bytes that are valid UTF-8", "application/json", "gzip", []byte(`{"a":1}`), true},
		// Content codings are case-insensitive (RFC 9110, 8.4.1).
		{"IDENTITY is identity", "application/json", "IDENTITY", []byte(`{"a":1}`), false},
		{"octet-stream", "application/octet-stream", "", binary, true},
		{"form", "application/x-www-form-urlencoded", "", []byte("a=1"), true},
		{"no content type", "", "", []byte(`{"a":1}`), true},
		{"json that is not UTF-8", "application/json", "", []byte{'"', 0xff, '"'}, true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/sessions", bytes.NewReader(tt.body))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		if tt.encoding != "" {
			r.Header.Set("Content-Encoding", tt.encoding)
		}
		ev := eventFor(t, r, tt.body, "POST /sessions")
		if ev.IsBase64Encoded != tt.base64 {
			t.Errorf("%s: isBase64Encoded = %v; want %v", tt.name, ev.IsBase64Encoded, tt.base64)
			continue
		}
		got := []byte(ev.Body)
		if tt.base64 {
			var err error
			if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Errorf("%s: body %q is not base64: %v", tt.name, ev.Body, err)
			}
		}
		if !bytes.Equal(got, tt.body) {
			t.Errorf("%s: body decodes to %q; want %q", tt.name, got, tt.body)
		}
	}
	r := httptest.NewRequest("GET", "/sessions", nil)
	if ev := eventFor(t, r, nil, "ANY /sessions"); ev.Body != "" || ev.IsBase64Encoded || ev.QueryStringParameters != nil || ev.PathParameters != nil || ev.Cookies != nil {
		t.Errorf("a bare GET's event = %+v; want no body, query, path parameters or cookies", ev)
	}
}

func TestParseResponse(t *testing.T) {
	bin := []byte{0, 1, 2, 0xff}
	tests := []struct {
		name    string
		payload string
		status  int
		header  http.Header
		body    string
		err     bool
	}{
		{
			name:    "full",
			payload: `{"statusCode":201,"headers":{"Content-Type":"application/json","X-A":"1"},"body":"{\"id\":1}"}`,
			status:  201, header: http.Header{"Content-Type": {"application/json"}, "X-A": {"1"}}, body: `{"id":1}`,
		},
		{
			// Payload format 2.0's response has no multiValueHeaders (API
			// Gateway's "Lambda function response for format 2.0": cookies,
			// isBase64Encoded, statusCode, headers, body); it is format
			// 1.0's, and an HTTP API with format 2.0 ignores it, as sam
			// local start-api does.
			name:    "multiValueHeaders ignored; cookies become Set-Cookie",
			payload: `{"statusCode":200,"headers":{"X-B":"b1","X-C":"c"},"multiValueHeaders":{"X-B":["b1","b2"],"X-D":["d"],"Set-Cookie":["c=3"]},"cookies":["a=1; Path=/","b=2"],"body":""}`,
			status:  200, header: http.Header{"X-B": {"b1"}, "X-C": {"c"}, "Set-Cookie": {"a=1; Path=/", "b=2"}}, body: "",
		},
		{
			name:    "base64 body",
			payload: `{"statusCode":200,"isBase64Encoded":true,"body":"` + base64.StdEncoding.EncodeToString(bin) + `"}`,
			status:  200, header: http.Header{}, body: string(bin),
		},
		{
			name:    "reserved headers are API Gateway's",
			payload: `{"statusCode":204,"headers":{"Content-Length":"5","Connection":"close","Apigw-Requestid":"x","Date":"Mon, 01 Jan 2001 00:00:00 GMT","Keep-Alive":"timeout=5","Transfer-Encoding":"chunked","Upgrade":"h2c"}}`,
			status:  204, header: http.Header{},
		},
		{
			// "If your Lambda function returns valid JSON and doesn't return a
			// statusCode, API Gateway makes the following assumptions".
			name: "bare object", payload: `{"hello":"world"}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"hello":"world"}`,
		},
		{
			// The guide's own example: the output "Hello from Lambda!" is
			// interpreted as "body": "Hello from Lambda!", the string's
			// value, not its JSON text (sam local start-api sends the
			// string too). The stack sent the quotes.
			name: "bare string", payload: `"Hello from Lambda!"`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `Hello from Lambda!`,
		},
		{name: "bare string with escapes", payload: ` "a\"b\u00e9\n" `, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "a\"b\u00e9\n"},
		{name: "bare null", payload: `null`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `null`},
		{name: "bare number", payload: `42`, status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `42`},
		{name: "not JSON", payload: `Task timed out`, err: true},
		{name: "statusCode not a number", payload: `{"statusCode":"OK"}`, err: true},
		{name: "statusCode a boolean", payload: `{"statusCode":true}`, err: true},
		{name: "statusCode a fraction", payload: `{"statusCode":200.5}`, err: true},
		{name: "statusCode out of range", payload: `{"statusCode":99}`, err: true},
		{name: "statusCode 600, past HTTP's 5xx", payload: `{"statusCode":600}`, err: true},
		{name: "statusCode 1000", payload: `{"statusCode":1000}`, err: true},
		{name: "statusCode 100, HTTP's lowest", payload: `{"statusCode":100}`, status: 100, header: http.Header{}},
		{name: "statusCode 599, HTTP's highest", payload: `{"statusCode":599}`, status: 599, header: http.Header{}},
		{name: "headers not strings", payload: `{"statusCode":200,"headers":{"X":1}}`, err: true},
		{name: "bad base64", payload: `{"statusCode":200,"isBase64Encoded":true,"body":"%%%"}`, err: true},
		// Format 2.0's fields are read by their exact names, as API
		// Gateway and sam local start-api (a Python dict's get) read
		// them: Go's decoding into a struct matches any case, and read
		// Body, STATUSCODE, Headers and IsBase64Encoded as the fields.
		{name: "Body is not body", payload: `{"statusCode":200,"Body":"x"}`, status: 200, header: http.Header{}},
		{name: "STATUSCODE is not statusCode", payload: `{"statusCode":201,"STATUSCODE":500}`, status: 201, header: http.Header{}},
		{name: "Headers are not headers", payload: `{"statusCode":200,"Headers":{"X-A":"1"},"COOKIES":["a=1"]}`, status: 200, header: http.Header{}},
		{name: "IsBase64Encoded is not isBase64Encoded", payload: `{"statusCode":200,"body":"aGk=","IsBase64Encoded":true}`, status: 200, header: http.Header{}, body: "aGk="},
	}
	for _, tt := range tests {
		res, err := parseResponse([]byte(tt.payload))
		if tt.err {
			if !errors.Is(err, errMalformedLambdaReply) {
				t.Errorf("%s: err = %v; want a malformed response", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if res.status != tt.status || string(res.body) != tt.body || !headersEqual(res.header, tt.header) {
			t.Errorf("%s: got %d %v %q; want %d %v %q", tt.name, res.status, res.header, res.body, tt.status, tt.header, tt.body)
		}
	}
}

func headersEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestIsFunctionError(t *testing.T) {
	tests := []struct {
		payload string
		want    bool
	}{
		{`{"errorMessage":"boom","errorType":"errorString"}`, true},
		{`{"errorMessage":"boom","errorType":"Runtime.ExitError","stackTrace":[]}`, true},
		{`{"errorMessage":"boom","errorType":"E","cause":{"errorMessage":"x"},"requestId":"r"}`, true},
		{`{"errorType":"errorString"}`, false},
		{`{"errorMessage":"boom","statusCode":200}`, false},
		{`{"statusCode":500,"body":"errorMessage"}`, false},
		{`"errorMessage"`, false},
		{`not json`, false},
	}
	for _, tt := range tests {
		if got := isFunctionError([]byte(tt.payload)); got != tt.want {
			t.Errorf("isFunctionError(%s) = %v; want %v", tt.payload, got, tt.want)
		}
	}
}

// TestEventDomainNameMakesAURL: the functions' api-proxy adapter builds
// each request's URL as "https://" + requestContext.domainName + rawPath
// (aws-lambda-go-api-proxy, core/requestv2.go, EventToRequest) and fails
// the invocation when that does not parse. On AWS domainName is the API's
// own domain, which always does; here it comes from the client's Host. A
// client of `HOST=::1 make start-api` sends "Host: [::1]:3000", and the
// event said "::1" (the brackets gone with the port): every request was an
// invocation error, API Gateway's 500, where the local server answered it.
// A Host Go's server lets through but no URL holds ("a%zz") was the same
// 500. Each must reach the function as the path sent.
func TestEventDomainNameMakesAURL(t *testing.T) {
	for _, tt := range []struct{ host, domain string }{
		{"api.example:3000", "api.example"},
		{"127.0.0.1:3000", "127.0.0.1"},
		{"[::1]:3000", "[::1]"},
		{"[::1]", "[::1]"},
		{"localhost", "localhost"},
		{"a%zz:3000", "localhost"},
		{"a%2Fb", "localhost"},
		{"user@api.example", "localhost"},
		// A URL's host, but not as sent (url.Parse makes it a%41): the
		// domain must be the Host as written, or "localhost".
		{"a%2541:3000", "localhost"},
		{"", "localhost"}, // an HTTP/1.0 request without a Host
	} {
		r := httptest.NewRequest("GET", "/sessions/abc", nil)
		r.Host = tt.host
		ev := eventFor(t, r, nil, "GET /sessions/{sessionId}")
		if ev.RequestContext.DomainName != tt.domain {
			t.Errorf("Host %q: requestContext.domainName = %q; want %q", tt.host, ev.RequestContext.DomainName, tt.domain)
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var got events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		req, err := (&core.RequestAccessorV2{}).EventToRequest(got)
		if err != nil {
			t.Errorf("Host %q: the api-proxy adapter refuses the event: %v", tt.host, err)
			continue
		}
		if req.URL.Path != "/sessions/abc" {
			t.Errorf("Host %q: the function sees path %q; want /sessions/abc", tt.host, req.URL.Path)
		}
	}
}

// TestEventSizeIsTheEventsLength holds EventSize, by which the local server
// judges Lambda's quota, to the event the gateway sends: its length within
// the few bytes the ids' lengths may differ by (the API id's, the request
// id's), for a text body, a body sent in base64 and a body the JSON escapes
// grow (each ASCII byte, the runes encoding/json escapes and some it does
// not: EventSize counts the body's share, bodyLen, without writing it);
// and GatewayTooLarge to the body of the gateway's own 413.
func TestEventSizeIsTheEventsLength(t *testing.T) {
	var ascii string
	for c := range 128 {
		ascii += string(rune(c))
	}
	key := RouteKey{Method: "GET", Path: "/sessions/{sessionId}"}
	params := map[string]string{"sessionId": "a b"}
	// The longest API id Start gives itself ("local" and a number under
	// 100,000 in base 36): EventSize must not count fewer bytes than the
	// stack would send.
	g := gateway{accountID: pseudoParameters["AWS::AccountId"], apiID: "local255r"}
	tests := []struct {
		name, contentType, body string
	}{
		{"text", "application/json", `{"a":"` + strings.Repeat("x", 5000) + `"}`},
		{"base64", "", strings.Repeat("x", 5000)},
		{"escaped", "application/json", strings.Repeat("\x01<\"", 5000)},
		{"every ASCII byte", "text/plain", strings.Repeat(ascii, 40)},
		{"U+2028, U+2029 and other runes", "application/json", strings.Repeat("\u2028é\u2029€😀\u2027", 500)},
		{"invalid UTF-8, in base64", "application/json", strings.Repeat("a\xff", 2500)},
		{"content-encoded, in base64", "application/json; charset=utf-8", "gzip:" + strings.Repeat("x", 5000)},
		{"no body (the event has no body member)", "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "http://127.0.0.1:3000/sessions/a%2520b?x=1", strings.NewReader(tt.body))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		if strings.HasPrefix(tt.body, "gzip:") {
			r.Header.Set("Content-Encoding", "gzip")
		}
		b, err := json.Marshal(g.newEvent(r, []byte(tt.body), &route{key: key}, params, newRequestID(), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := EventSize(r, []byte(tt.body), key, params), len(b); got < want || got > want+4 {
			t.Errorf("%s: EventSize = %d; want %d to %d", tt.name, got, want, want+4)
		}
	}
	w := httptest.NewRecorder()
	gatewayTooLarge.write(w)
	if got := w.Body.String(); got != GatewayTooLarge {
		t.Errorf("the gateway's 413 body = %s; want %s", got, GatewayTooLarge)
	}
}

// TestEventCookiesAndQuery: newEvent's rules for the cookies and the query,
// "Cookie headers moved to cookies (one entry per cookie)" and
// "queryStringParameters decoded, repeated names joined with commas" (the
// guide: "All cookie headers in the request are combined ... and added to
// the cookies field", "Duplicate query strings are combined with commas and
// included in the queryStringParameters field"). An empty piece of either
// (a Cookie header's trailing ";", a query's "&&") is no cookie and no
// parameter; a parameter's name is decoded as its value is.
func TestEventCookiesAndQuery(t *testing.T) {
	for _, tt := range []struct {
		name, query string
		cookies     []string // Cookie headers
		wantCookies []string
		wantQuery   map[string]string
	}{
		{"empty cookie pieces", "", []string{"a=1;", " ; b=2; ;c=3"}, []string{"a=1", "b=2", "c=3"}, nil},
		{"empty query pieces", "a=1&&b=2&", nil, nil, map[string]string{"a": "1", "b": "2"}},
		{"a name decoded", "x%5By%5D=1&x%5By%5D=2&%7A=%7A", nil, nil, map[string]string{"x[y]": "1,2", "z": "z"}},
		// A query's + is a space, a %2B a plus: url.QueryUnescape's rule,
		// Flask's request.args in sam local start-api, and what a REST API's
		// event showed in aws/aws-cdk#19827 ("sort=-+createdAt" arrived as
		// "- createdAt"); AWS documents no rule for HTTP APIs.
		{"a plus is a space", "q=a+b&r=a%2Bb", nil, nil, map[string]string{"q": "a b", "r": "a+b"}},
	} {
		target := "/sessions"
		if tt.query != "" {
			target += "?" + tt.query
		}
		r := httptest.NewRequest("GET", target, nil)
		for _, c := range tt.cookies {
			r.Header.Add("Cookie", c)
		}
		ev := eventFor(t, r, nil, "ANY /sessions")
		if !slices.Equal(ev.Cookies, tt.wantCookies) {
			t.Errorf("%s: cookies got %q; want %q", tt.name, ev.Cookies, tt.wantCookies)
		}
		if !maps.Equal(ev.QueryStringParameters, tt.wantQuery) || (ev.QueryStringParameters == nil) != (tt.wantQuery == nil) {
			t.Errorf("%s: queryStringParameters got %v; want %v", tt.name, ev.QueryStringParameters, tt.wantQuery)
		}
	}
}

// TestEventKeepsWhatTheClientSent: a client's own X-Amzn-Trace-Id is kept
// (newEvent: API Gateway adds "an x-amzn-trace-id" to a request without
// one; AWS's handling of a client's is unverified here), and
// requestContext.http.protocol is the protocol the request came in
// (HTTP/1.0 stays HTTP/1.0).
func TestEventKeepsWhatTheClientSent(t *testing.T) {
	r := httptest.NewRequest("GET", "/sessions", nil)
	r.Proto, r.ProtoMinor = "HTTP/1.0", 0
	r.Header.Set("X-Amzn-Trace-Id", "Root=1-67890abc-0123456789abcdef01234567")
	ev := eventFor(t, r, nil, "ANY /sessions")
	for _, tt := range []struct{ name, got, want string }{
		{"headers.x-amzn-trace-id", ev.Headers["x-amzn-trace-id"], "Root=1-67890abc-0123456789abcdef01234567"},
		{"requestContext.http.protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.0"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s got %q; want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestAPIIDsAreOfOneLength: make run judges an event against Lambda's
// quota by EventSize, the event make start-api would send (README: "it
// judges the event `make start-api` would send, `samlocal.EventSize`"),
// whose API id is in every event (requestContext.apiId). Every id a stack
// gives itself (apiIDAt) is as long as EventSize's, whatever its start-up
// instant, so the two local servers refuse a body at the same byte. Before,
// the id was the instant's milliseconds in base 36 without padding, one to
// four digits: a stack started at a millisecond under 46,656 (46,656 of
// 100,000 starts) sent events a byte shorter than EventSize counted, and
// took a body one byte longer than make run (200 where make run answered
// 413).
func TestAPIIDsAreOfOneLength(t *testing.T) {
	want := len(apiIDAt(time.UnixMilli(99999))) // the longest, EventSize's
	for _, ms := range []int64{0, 1, 35, 36, 1295, 1296, 46655, 46656, 99999, 100000} {
		if got := len(apiIDAt(time.UnixMilli(ms))); got != want {
			t.Errorf("the API id of a stack started at %d ms has %d characters; want %d (EventSize's)", ms, got, want)
		}
	}
}

// TestRequestIDIsInAPIGatewaysForm: newRequestID says it makes "an id in
// the form of API Gateway's request ids", and the sample events hold one as
// AWS writes it ("Xk3p9gHYoAMEbvQ=": 11 bytes in standard base64, one '='
// of padding). Before, ids were 10 bytes ("n9Jg3dMl5LCE1w=="), a form no
// HTTP API gives.
func TestRequestIDIsInAPIGatewaysForm(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "events", "create-session.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		RequestContext struct {
			RequestID string `json:"requestId"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	form := func(id string) string {
		b, err := base64.StdEncoding.Strict().DecodeString(id)
		if err != nil {
			return "not base64"
		}
		return fmt.Sprintf("%d characters, %d bytes, %d padding", len(id), len(b), strings.Count(id, "="))
	}
	want := form(ev.RequestContext.RequestID)
	for range 20 {
		if id := newRequestID(); form(id) != want {
			t.Fatalf("newRequestID() = %q: %s; want %s, the sample's form", id, form(id), want)
		}
	}
}

// TestAnswerHasItsLength: API Gateway has a function's whole response before
// it answers (Lambda's response is one payload, at most 6 MiB + 100 bytes)
// and sends it with its Content-Length; HTTP APIs do not stream a Lambda
// proxy response ("API Gateway does not support chunked transfer"). The
// stack wrote the body after the status, so Go's server sent any body over
// its 2 KB buffer chunked, without a length (r87-gateway: document 004's
// list of a day, 6 KB, came chunked from make start-api). A status that
// has no body (204, 304) gets no length.
func TestAnswerHasItsLength(t *testing.T) {
	for _, tt := range []struct {
		status int
		size   int
		method string
	}{
		{200, 0, "GET"},
		{200, 100, "GET"},
		{200, 6 << 10, "GET"},
		{404, 3 << 20, "GET"},
		{200, 6 << 10, "HEAD"},
		{204, 0, "DELETE"},
	} {
		res := response{status: tt.status, header: http.Header{"Content-Type": {"application/json"}}, body: bytes.Repeat([]byte("a"), tt.size)}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { res.write(w) }))
		req, _ := http.NewRequest(tt.method, srv.URL, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			srv.Close()
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		srv.Close()
		want := strconv.Itoa(tt.size)
		if tt.status == 204 {
			want = ""
		}
		if got := resp.Header.Get("Content-Length"); got != want || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s answered %d with %d bytes: Content-Length %q, Transfer-Encoding %q; want %q, none", tt.method, tt.status, tt.size, got, resp.TransferEncoding, want)
		}
	}
}
