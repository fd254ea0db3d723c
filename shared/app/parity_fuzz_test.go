package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// FuzzLambdaAnswersAsLocal sends one client request, hostile bytes in its
// path id, method, query, a header and its body, two ways: as API Gateway
// delivers it to the route's function (docs/design.md §10, "Paths arrive
// decoded": the path decoded twice, httpapi.GatewayPath; header names
// lower-cased; a body that is not UTF-8 base64-encoded) through the
// function's Lambda handler, and as the local server hands it to the same
// routes (the path as asDelivered delivers it), each on a store of its own
// holding the same session and API key. docs/design.md §1: "Locally the
// same handlers run on one net/http server"; so the two answers must be
// the same: status, headers and body, but for what is random or the
// request's own (ids, tokens, keys, the request id). And the Lambda answer
// is a response API Gateway takes and the contract's (§6):
//   - a status of the documented set, never a 5xx (the store cannot fail);
//   - isBase64Encoded true exactly when the body is not UTF-8 (gzip, which
//     Content-Encoding then names), the body then standard base64;
//   - header names HTTP tokens, values without CR, LF or NUL, no cookies;
//   - but for API Gateway's own 404 (§2), `Cache-Control: no-store`,
//     `Strict-Transport-Security`, `X-Content-Type-Options: nosniff` and
//     `X-Request-Id` (API Gateway's request id), and a JSON body: a refusal
//     RFC 9457 problem+json with type, title, status (the answer's), detail,
//     code and the requestId of X-Request-Id, or, on document 001's path,
//     001's envelope with data null and one notification; a 401 with
//     WWW-Authenticate, a 405 with Allow.
//
// Each input runs on fresh stores, so its answer does not depend on the
// inputs before it.
func FuzzLambdaAnswersAsLocal(f *testing.F) {
	x := newLambdaFuzz(f)
	samples := x.samples
	if len(samples) != len(httpapi.Routes(httpapi.Deps{})) {
		f.Fatalf("%d samples for %d routes", len(samples), len(httpapi.Routes(httpapi.Deps{})))
	}
	// Each sample as it is, then at each rule's edge.
	for i, ev := range samples {
		_, param := routeParam(ev.RouteKey)
		f.Add(uint8(i), ev.RequestContext.HTTP.Method, ev.PathParameters[param], ev.RawQueryString, "accept", "application/json", []byte(ev.Body), false)
	}
	for i := range samples {
		f.Add(uint8(i), "get", "%7B"+sampleSessionID+"%7D", "init=on&createdDate=2026-11-23&limit=1", "accept-encoding", "gzip", []byte(nil), false)
		f.Add(uint8(i), "DELETE", "%2525", "x=%zz", "content-type", "application/json; charset=utf-16", []byte("\xef\xbb\xbf{}"), true)
		f.Add(uint8(i), "POST", sampleSessionID+"%3Finit=true", "cursor=djF8&limit=01", "x-api-key", "psk_4111111111111111", []byte(`{"status":"AUTHORISED","eventId":"e-1"}`), false)
		f.Add(uint8(i), "PoSt", "%20"+strings.ToUpper(sampleSessionID), "createdDate=2026-11-23&createdDate=2026-11-24", "idempotency-key", "k-\xff", []byte("{\"amount\":1,\"currency\":\"EUR\",\"orderId\":\"\xff\"}"), false)
		f.Add(uint8(i), "HEAD", "0123456789abcdef", "", "content-encoding", "gzip", []byte(`{"reason":"4111 1111 1111 1111"}`), false)
		f.Add(uint8(i), "GET", "%E2%80%A8", "init=yes", "x-merchant-id", " "+sampleMerchant+"\t", []byte(nil), false)
	}
	f.Fuzz(func(t *testing.T, which uint8, method, seg, query, header, value string, body []byte, b64 bool) {
		sample := samples[int(which)%len(samples)]
		routeMethod, routePath, _ := strings.Cut(sample.RouteKey, " ")
		paramAt, param := routeParam(sample.RouteKey)
		if seg == "" {
			seg = sample.PathParameters[param]
		}
		value = strings.Trim(value, " \t") // HTTP's optional white space around a field value
		// Only what a client can send on the wire reaches either path.
		switch {
		case method == "" || strings.IndexFunc(method, notToken) >= 0,
			header == "" || strings.IndexFunc(header, notToken) >= 0,
			strings.ContainsAny(value, "\r\n\x00"),
			strings.IndexFunc(seg, notTarget) >= 0 || strings.ContainsAny(seg, "?#"),
			strings.IndexFunc(query, notTarget) >= 0 || strings.Contains(query, "#"):
			return
		}
		switch strings.ToLower(header) {
		case "content-length", "host", "transfer-encoding", "cookie", "connection", "te", "trailer", "upgrade", "expect":
			return // the transport's own
		}
		wire := routePath
		if param != "" {
			segs := strings.Split(routePath, "/")
			segs[paramAt] = seg
			wire = strings.Join(segs, "/")
		}
		u, err := url.Parse(wire)
		if err != nil || u.Path == "" {
			return
		}
		// API Gateway routes by the first decoding and the function routes
		// the second: an input that does not reach this sample's function
		// both ways (API Gateway's own 400 or 404) is no function's.
		routed, raw, ok := httpapi.GatewayPath(u.EscapedPath())
		if !ok || !matchesRoute(routePath, routed) || !matchesRoute(routePath, raw) {
			return
		}
		up := strings.ToUpper(method)

		// The Lambda path: the event API Gateway builds.
		ev := sample
		ev.Headers = map[string]string{}
		for k, v := range sample.Headers {
			ev.Headers[k] = v
		}
		ev.Headers[strings.ToLower(header)] = value
		ev.Headers["content-length"] = strconv.Itoa(len(body))
		ev.RequestContext.HTTP.Method = method
		ev.RawPath, ev.RequestContext.HTTP.Path = raw, raw
		// API Gateway's queryStringParameters: the query's parameters, a
		// repeated one's values joined with commas; none without a query.
		ev.RawQueryString, ev.QueryStringParameters = query, gatewayQuery(query)
		if param != "" {
			ev.PathParameters = map[string]string{param: strings.Split(raw, "/")[paramAt]}
		}
		if up != routeMethod {
			ev.RouteKey = "ANY " + routePath // the template's ANY route beside the real one
			ev.RequestContext.RouteKey = ev.RouteKey
		}
		ev.Body, ev.IsBase64Encoded = string(body), false
		if b64 || !utf8.Valid(body) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
		// The local path: the request as asDelivered hands it to the routes.
		r := httptest.NewRequest(up, "/", bytes.NewReader(body))
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = raw, "", query
		r.RequestURI = wire
		if query != "" {
			r.RequestURI += "?" + query
		}
		r.Host = sample.Headers["host"]
		for k, v := range sample.Headers {
			if k != "host" {
				r.Header.Set(k, v)
			}
		}
		r.Header.Set(header, value)
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.ContentLength = int64(len(body))
		x.sameAnswer(t, sample, ev, r, fmt.Sprintf("%s %q ?%q %s: %q", method, wire, query, header, value))
	})
}

// Answers' parts that are random or the request's own, which
// sameAnswer leaves out of its comparison.
var (
	uuidText   = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	apiKeyText = regexp.MustCompile(`psk_[0-9a-f]{16}_[A-Za-z0-9_-]+`)
	hcpText    = regexp.MustCompile(`"hcpToken":"[^"]*"`)
	keyIDText  = regexp.MustCompile(`\b[0-9a-f]{16}\b`)
)

// deps is a fresh store, as the events/ samples expect it (their session
// and API key), and the routes on it.
func (x *lambdaFuzz) deps(t *testing.T) httpapi.Deps {
	mem := storetest.NewMemory(session.DefaultPolicy, x.clock.Now)
	x.seed(t, mem)
	return httpapi.Deps{Store: mem, Auth: auth.New(x.jwt, auth.NewAPIKeyVerifier(mem, x.clock.Now)), Now: x.clock.Now}
}

// gatewayQuery is API Gateway's queryStringParameters of a query: its
// parameters, a repeated one's values joined with commas; none without a
// query.
func gatewayQuery(query string) map[string]string {
	q, _ := url.ParseQuery(query)
	if len(q) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range q {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// sameAnswer sends one request two ways, each on a fresh store: ev, as API
// Gateway delivers it to the function of sample's route, through the
// Lambda handler, and r as the local server hands it to the routes; it
// holds the Lambda answer to checkGatewayResponse and the two answers to
// being the same (status, headers and body) but for what is random or the
// request's own (FuzzLambdaAnswersAsLocal's doc). what names the request
// in a failure.
func (x *lambdaFuzz) sameAnswer(t *testing.T, sample, ev events.APIGatewayV2HTTPRequest, r *http.Request, what string) {
	t.Helper()
	_, routePath, _ := strings.Cut(sample.RouteKey, " ")
	up := strings.ToUpper(r.Method)
	d := x.deps(t)
	var rt httpapi.Route
	for _, r := range httpapi.Routes(d) {
		if r.Pattern == sample.RouteKey {
			rt = r
		}
	}
	x.logs.Reset()
	res, err := x.app.Lambda(rt)(context.Background(), ev)
	if err != nil {
		t.Fatalf("%s: invocation error %v; want an answer (an error is API Gateway's 500)", what, err)
	}
	checkGatewayResponse(t, res, ev, routePath == "/v2.0/payments/{paymentId}/status")
	local := httptest.NewRecorder()
	httpapi.Middleware(x.app.Logger, func(*http.Request) string { return "" }, httpapi.NewRouter(httpapi.Routes(x.deps(t))...)).ServeHTTP(local, r)

	// The same answer, but for what is random or the request's own.
	norm := func(s, rid string) string {
		if rid != "" {
			s = strings.ReplaceAll(s, rid, "<request id>")
		}
		s = hcpText.ReplaceAllString(s, `"hcpToken":"<token>"`)
		s = apiKeyText.ReplaceAllString(s, "<api key>")
		s = uuidText.ReplaceAllString(s, "<uuid>")
		return keyIDText.ReplaceAllString(s, "<key id>")
	}
	lrid, lokal := res.Headers["X-Request-Id"], local.Header().Get("X-Request-Id")
	lb := []byte(res.Body)
	if res.IsBase64Encoded {
		lb, _ = base64.StdEncoding.DecodeString(res.Body)
	}
	if res.Headers["Content-Encoding"] == "gzip" {
		lb = gunzip(t, lb)
	}
	sb := local.Body.Bytes()
	if local.Header().Get("Content-Encoding") == "gzip" {
		sb = gunzip(t, sb)
	}
	if res.StatusCode != local.Code || norm(string(lb), lrid) != norm(string(sb), lokal) && up != http.MethodHead {
		t.Fatalf("%s: Lambda answered %d %s; the local server %d %s", what, res.StatusCode, lb, local.Code, sb)
	}
	got := map[string]string{}
	for k, v := range res.Headers {
		got[k] = norm(v, lrid)
	}
	for k, v := range local.Header() {
		want := norm(strings.Join(v, ","), lokal)
		switch k {
		case "X-Request-Id", "Date", "Content-Length":
		default:
			if got[k] != want {
				t.Fatalf("%s: header %s: Lambda %q; the local server %q", what, k, got[k], want)
			}
		}
		delete(got, k)
	}
	delete(got, "X-Request-Id")
	if len(got) > 0 {
		t.Fatalf("%s: Lambda answered headers %v the local server did not", what, got)
	}
}

// checkGatewayResponse holds one Lambda answer to what API Gateway takes
// and the contract promises (FuzzLambdaAnswersAsLocal's doc).
func checkGatewayResponse(t *testing.T, res events.APIGatewayV2HTTPResponse, ev events.APIGatewayV2HTTPRequest, envelope bool) {
	t.Helper()
	switch res.StatusCode {
	case 200, 201, 400, 401, 403, 404, 405, 409, 410, 413, 415:
	default:
		t.Fatalf("status %d %s; want one of the documented set, never a 5xx", res.StatusCode, res.Body)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			t.Fatalf("isBase64Encoded with a body that is not base64: %q", res.Body)
		}
		if utf8.Valid(b) {
			t.Fatalf("isBase64Encoded with a UTF-8 body %q; want it plain", b)
		}
		if res.Headers["Content-Encoding"] != "gzip" {
			t.Fatalf("a binary body without Content-Encoding: gzip: headers %v", res.Headers)
		}
		body = gunzip(t, b)
	} else if !utf8.Valid(body) {
		t.Fatalf("a body that is not UTF-8 sent plain: %q", res.Body)
	} else if res.Headers["Content-Encoding"] != "" {
		t.Fatalf("Content-Encoding %q on a plain body", res.Headers["Content-Encoding"])
	}
	if len(res.Cookies) > 0 || len(res.MultiValueHeaders) > 0 {
		t.Fatalf("cookies %q, multi-value headers %v; the service sets none", res.Cookies, res.MultiValueHeaders)
	}
	for k, v := range res.Headers {
		if k == "" || strings.IndexFunc(k, notToken) >= 0 || strings.ContainsAny(v, "\r\n\x00") {
			t.Fatalf("answer header %q: %q; want a token and a value without CR, LF or NUL", k, v)
		}
	}
	if res.StatusCode == 404 && res.Body == httpapi.GatewayNotFound {
		return // API Gateway's own answer, in its own shape (§2)
	}
	for k, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Request-Id": ev.RequestContext.RequestID} {
		if res.Headers[k] != want {
			t.Fatalf("header %s = %q; want %q (headers %v)", k, res.Headers[k], want, res.Headers)
		}
	}
	if res.Headers["Strict-Transport-Security"] == "" {
		t.Fatalf("no Strict-Transport-Security: headers %v", res.Headers)
	}
	if len(body) == 0 && strings.EqualFold(ev.RequestContext.HTTP.Method, http.MethodHead) {
		return
	}
	var m map[string]any
	var list []any
	if json.Unmarshal(body, &m) != nil && (res.StatusCode != 200 || json.Unmarshal(body, &list) != nil) {
		t.Fatalf("status %d with a body that is not a JSON object (or a 200's array): %q", res.StatusCode, body)
	}
	switch {
	case res.StatusCode == 401 && res.Headers["Www-Authenticate"] == "":
		t.Fatalf("401 without WWW-Authenticate: headers %v", res.Headers)
	case res.StatusCode == 405 && res.Headers["Allow"] == "":
		t.Fatalf("405 without Allow: headers %v", res.Headers)
	case res.StatusCode < 400:
		return
	case envelope:
		n, _ := m["notifications"].([]any)
		first, _ := firstOf(n).(map[string]any)
		if d, ok := m["data"]; !ok || d != nil || len(n) != 1 || first["code"] == nil || m["message"] == nil {
			t.Fatalf("refusal %d on 001's path not in 001's envelope: %s", res.StatusCode, body)
		}
	default:
		if res.Headers["Content-Type"] != "application/problem+json" {
			t.Fatalf("refusal %d with Content-Type %q; want application/problem+json", res.StatusCode, res.Headers["Content-Type"])
		}
		for _, k := range []string{"type", "title", "detail", "code"} {
			if s, _ := m[k].(string); s == "" {
				t.Fatalf("problem without %s: %s", k, body)
			}
		}
		if st, _ := m["status"].(float64); int(st) != res.StatusCode || m["requestId"] != ev.RequestContext.RequestID {
			t.Fatalf("problem status %v, requestId %v; want %d, %q: %s", m["status"], m["requestId"], res.StatusCode, ev.RequestContext.RequestID, body)
		}
	}
}

func firstOf(s []any) any {
	if len(s) == 0 {
		return nil
	}
	return s[0]
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Content-Encoding: gzip with a body gzip cannot read: %v", err)
	}
	out, err := io.ReadAll(z)
	if err != nil {
		t.Fatalf("Content-Encoding: gzip with a body gzip cannot read: %v", err)
	}
	return out
}

// routeParam is the index of routeKey's path parameter segment and its
// name (-1 and "" for a route without one).
func routeParam(routeKey string) (int, string) {
	_, p, _ := strings.Cut(routeKey, " ")
	for i, s := range strings.Split(p, "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			return i, s[1 : len(s)-1]
		}
	}
	return -1, ""
}

// matchesRoute reports whether path is one the route path pattern takes:
// its literal segments, and a non-empty segment for its parameter.
func matchesRoute(pattern, path string) bool {
	want, got := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			if got[i] == "" {
				return false
			}
		} else if w != got[i] {
			return false
		}
	}
	return true
}

// notToken reports whether r may not appear in an HTTP token (RFC 9110
// §5.6.2): a method or a header name.
func notToken(r rune) bool {
	return r >= 0x7f || r <= 0x20 || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
}

// notTarget reports whether r may not appear in a request target as a
// client sends it: controls, space and DEL.
func notTarget(r rune) bool {
	return r <= 0x20 || r == 0x7f
}
