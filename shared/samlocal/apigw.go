package samlocal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// API Gateway's own answers: it sends these itself, without calling a
// function, in application/json. gatewayHeaderTooLarge is
// httpapi.GatewayHeaderTooLarge, whose status and body are the local
// servers' choice (AWS documents the quota, not the answer), and
// gatewayRequestTimeout is httpapi.GatewayRequestTimeout, their answer to
// a body not in within its bound (ReadBody), which AWS does not document.
var (
	gatewayNotFound         = gatewayError{http.StatusNotFound, "Not Found"}
	gatewayBadRequest       = gatewayError{http.StatusBadRequest, "Bad Request"}
	gatewayTooLarge         = gatewayError{http.StatusRequestEntityTooLarge, "Request Entity Too Large"}
	gatewayRequestTimeout   = gatewayError{http.StatusRequestTimeout, "Request Timeout"}
	gatewayHeaderTooLarge   = gatewayError{http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"}
	gatewayInternal         = gatewayError{http.StatusInternalServerError, "Internal Server Error"}
	gatewayUnavailable      = gatewayError{http.StatusServiceUnavailable, "Service Unavailable"}
	errMalformedLambdaReply = errors.New("malformed Lambda proxy response")
)

// Quotas that shape API Gateway's and Lambda's answers.
const (
	// maxRequestBody is HTTP API's payload quota (10 MB): a larger body is
	// API Gateway's 413.
	maxRequestBody = 10 << 20
	// maxInvokePayload is Lambda's quota for a synchronous invocation's
	// request (6 MiB, "limit 6291456 bytes"): an event over it is refused
	// by Lambda and answered 413.
	maxInvokePayload = 6 << 20
	// maxInvokeResponse is its quota for the response, 100 bytes more
	// ("Exceeded maximum allowed payload size (6291556 bytes)", the
	// emulator's interop.MaxPayloadSize): a response over it fails the
	// invocation, a 500.
	maxInvokeResponse = 6<<20 + 100
)

// MaxRequestBody is HTTP APIs' payload quota (10 MB, maxRequestBody): API
// Gateway answers a larger body itself, 413, before it routes the request.
// MaxEventSize is Lambda's quota on an invocation's request (6 MiB,
// maxInvokePayload): an event over it (EventSize) never reaches a
// function, and is API Gateway's 413 too. The local server refuses by them
// what make start-api refuses.
const (
	MaxRequestBody = maxRequestBody
	MaxEventSize   = maxInvokePayload
)

// GatewayTooLarge is API Gateway's own answer, with the status
// http.StatusRequestEntityTooLarge, to a body over MaxRequestBody or an
// event over MaxEventSize.
const GatewayTooLarge = `{"message":"Request Entity Too Large"}`

// EventSize is the size of the payload-format-2.0 event make start-api's
// gateway builds for r, whose body is body, on the route key ("GET
// /sessions/{sessionId}", or the ANY route's) with the path parameters
// params (decoded, as the router gives them): what Lambda judges against
// MaxEventSize. The request id and trace header are new ones, of the
// lengths start-api's have, and the API's id of the length every start-api's
// has (apiIDAt); AWS's own event may differ: by a few bytes for its ids,
// and by up to 5 bytes for each <, >, &, U+2028 or U+2029 of a text body,
// which encoding/json escapes as \u003c and API Gateway may not (no AWS
// document says). The body's share is counted, not written (bodyLen): a body
// near the quota would otherwise be copied, encoded and escaped into a
// whole event only to be measured.
func EventSize(r *http.Request, body []byte, key RouteKey, params map[string]string) int {
	g := gateway{accountID: pseudoParameters["AWS::AccountId"], apiID: apiIDAt(time.UnixMilli(99999))}
	ev := g.eventAround(r, len(body), &route{key: key}, params, newRequestID(), time.Now())
	n := 0
	if len(body) > 0 {
		var text bool
		if n, text = bodyLen(r.Header, body); !text {
			ev.IsBase64Encoded = true
		}
		n += len(`,"body":`)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return maxInvokePayload + 1
	}
	return len(b) + n
}

// bodyLen is the length of body in an event, as a JSON string (its quotes
// included), and whether it travels as text (newEvent): as encoding/json
// writes it, HTML's <, > and & escaped, U+2028 and U+2029 too.
func bodyLen(h http.Header, body []byte) (int, bool) {
	if !isText(h) || !utf8.Valid(body) {
		return 2 + base64.StdEncoding.EncodedLen(len(body)), false
	}
	n := 2
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += len(`\u0000`)
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == '\u2028' || r == '\u2029' {
			n += len(`\u2028`)
		} else {
			n += size
		}
		i += size
	}
	return n, true
}

// maxIntegrationTimeout is HTTP API's integration timeout (30 s, its
// maximum and default): past it API Gateway answers 503, whatever the
// function is still doing.
const maxIntegrationTimeout = 30 * time.Second

// integrationTimeout is the gateway's integration timeout,
// maxIntegrationTimeout; a variable for tests.
var integrationTimeout = maxIntegrationTimeout

type gatewayError struct {
	status  int
	message string
}

func (e gatewayError) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = fmt.Fprintf(w, `{"message":%q}`, e.message)
}

// route is one HttpApi route of the template.
type route struct {
	key      RouteKey
	segments []string // the path's segments; "{name}" is a variable
	greedy   bool     // the last segment is {name+}
	fn       *Function
}

// router selects routes as HTTP API does ("Routing API requests" in the API
// Gateway developer guide): a route whose path matches without a greedy
// variable wins over one with it; among those, the one whose segments are
// literal earliest (a literal segment beats a variable at the same place);
// and a route for the request's method wins over ANY for the same path. No
// match is API Gateway's own 404.
type router struct{ routes []route }

func newRouter(fns []*Function) (*router, error) {
	r := &router{}
	seen := map[string]string{}
	for _, fn := range fns {
		for _, k := range fn.Routes {
			if !strings.HasPrefix(k.Path, "/") {
				return nil, fmt.Errorf("route %s: the path must start with /", k)
			}
			if prev, dup := seen[k.String()]; dup {
				return nil, fmt.Errorf("route %s is on %s and %s", k, prev, fn.LogicalID)
			}
			seen[k.String()] = fn.LogicalID
			rt := route{key: k, fn: fn, segments: strings.Split(k.Path, "/")[1:]}
			for i, s := range rt.segments {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}") {
					if i != len(rt.segments)-1 {
						return nil, fmt.Errorf("route %s: a greedy variable must end the path", k)
					}
					rt.greedy = true
				}
			}
			r.routes = append(r.routes, rt)
		}
	}
	return r, nil
}

// match returns the route for method and path (as routed:
// httpapi.GatewayPath's first decoding of the path sent) and its path
// parameters, decoded once more.
func (r *router) match(method, escapedPath string) (*route, map[string]string) {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, nil
	}
	segs := strings.Split(escapedPath, "/")[1:]
	var best *route
	var bestParams map[string]string
	for i := range r.routes {
		rt := &r.routes[i]
		if rt.key.Method != "ANY" && rt.key.Method != method {
			continue
		}
		params, ok := rt.matches(segs)
		if !ok {
			continue
		}
		if best == nil || rt.moreSpecificThan(best) {
			best, bestParams = rt, params
		}
	}
	return best, bestParams
}

func (rt *route) matches(segs []string) (map[string]string, bool) {
	n := len(rt.segments)
	if rt.greedy {
		if len(segs) < n {
			return nil, false
		}
	} else if len(segs) != n {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range rt.segments {
		name, isVar := strings.CutPrefix(s, "{")
		if !isVar {
			if segs[i] != s {
				return nil, false
			}
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if greedy, ok := strings.CutSuffix(name, "+"); ok {
			rest := strings.Join(segs[i:], "/")
			if rest == "" {
				return nil, false
			}
			params[greedy] = unescapePath(rest)
			continue
		}
		if segs[i] == "" {
			return nil, false
		}
		params[name] = unescapePath(segs[i])
	}
	return params, true
}

func (rt *route) moreSpecificThan(o *route) bool {
	if rt.greedy != o.greedy {
		return !rt.greedy
	}
	for i := 0; i < len(rt.segments) && i < len(o.segments); i++ {
		a, b := !strings.HasPrefix(rt.segments[i], "{"), !strings.HasPrefix(o.segments[i], "{")
		if a != b {
			return a
		}
	}
	if len(rt.segments) != len(o.segments) {
		return len(rt.segments) > len(o.segments)
	}
	return rt.key.Method != "ANY" && o.key.Method == "ANY"
}

func unescapePath(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// event is API Gateway's HTTP API payload format 2.0. It is written here,
// not taken from aws-lambda-go's events.APIGatewayV2HTTPRequest, because
// that type always serialises an "authentication" member, which API
// Gateway sends only for mutual TLS.
type event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        requestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type requestContext struct {
	AccountID    string      `json:"accountId"`
	APIID        string      `json:"apiId"`
	DomainName   string      `json:"domainName"`
	DomainPrefix string      `json:"domainPrefix"`
	HTTP         contextHTTP `json:"http"`
	RequestID    string      `json:"requestId"`
	RouteKey     string      `json:"routeKey"`
	Stage        string      `json:"stage"`
	Time         string      `json:"time"`
	TimeEpoch    int64       `json:"timeEpoch"`
}

type contextHTTP struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// gateway is what an event needs to know of the API it came through.
type gateway struct {
	accountID, apiID string
}

// newEvent builds the event API Gateway sends for r (whose body is body)
// on route rt:
//   - header names lower case, repeated headers joined with commas, Cookie
//     headers moved to cookies (one entry per cookie); API Gateway adds
//     x-forwarded-for (the client's address appended), x-forwarded-port,
//     x-forwarded-proto and an x-amzn-trace-id, and content-length is the
//     body's length, "0" for a request without one;
//   - queryStringParameters decoded, repeated names joined with commas;
//     rawQueryString as sent; rawPath, requestContext.http.path and
//     pathParameters decoded, as HTTP APIs deliver them: twice, the path
//     ending at a ? the first decoding makes (httpapi.GatewayPath; a
//     client's %20, %7B or %2525 arrives as a space, a brace, a bare %;
//     REST APIs and function URLs keep the encoding, HTTP APIs do not);
//   - the body as text only for text/*, application/json, application/xml
//     and application/javascript bodies that are valid UTF-8 and not
//     content-encoded; any other body (a missing Content-Type included) is
//     base64 with isBase64Encoded, as HTTP APIs send binary payloads.
func (g gateway) newEvent(r *http.Request, body []byte, rt *route, params map[string]string, requestID string, now time.Time) event {
	ev := g.eventAround(r, len(body), rt, params, requestID, now)
	if len(body) > 0 {
		if isText(r.Header) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// eventAround is newEvent's event without its body, for a body of n bytes
// (its content-length header).
func (g gateway) eventAround(r *http.Request, n int, rt *route, params map[string]string, requestID string, now time.Time) event {
	rawPath := r.URL.Path
	if _, raw, ok := httpapi.GatewayPath(r.URL.EscapedPath()); ok {
		rawPath = raw
	}
	ev := event{
		Version:         "2.0",
		RouteKey:        rt.key.String(),
		RawPath:         rawPath,
		RawQueryString:  r.URL.RawQuery,
		Headers:         map[string]string{},
		PathParameters:  params,
		IsBase64Encoded: false,
	}
	if len(params) == 0 {
		ev.PathParameters = nil
	}
	for name, values := range r.Header {
		lname := strings.ToLower(name)
		if lname == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[lname] = strings.Join(values, ",")
	}
	host := r.Host
	ev.Headers["host"] = host
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	if xff := ev.Headers["x-forwarded-for"]; xff != "" {
		ev.Headers["x-forwarded-for"] = xff + ", " + sourceIP
	} else {
		ev.Headers["x-forwarded-for"] = sourceIP
	}
	ev.Headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(host); err == nil {
		ev.Headers["x-forwarded-port"] = port
	} else {
		ev.Headers["x-forwarded-port"] = "80"
	}
	if _, ok := ev.Headers["x-amzn-trace-id"]; !ok {
		ev.Headers["x-amzn-trace-id"] = traceID(now)
	}
	// The body's length, "0" for none, a GET's included, as API Gateway
	// sends it (aws-lambda-go's apigw-v2-request-no-authorizer.json: a curl
	// GET, "content-length": "0").
	ev.Headers["content-length"] = strconv.Itoa(n)
	ev.QueryStringParameters = queryParameters(r.URL.RawQuery)

	domain := domainName(host)
	prefix, _, _ := strings.Cut(domain, ".")
	ev.RequestContext = requestContext{
		AccountID:    g.accountID,
		APIID:        g.apiID,
		DomainName:   domain,
		DomainPrefix: prefix,
		HTTP: contextHTTP{
			Method:    r.Method,
			Path:      rawPath,
			Protocol:  r.Proto,
			SourceIP:  sourceIP,
			UserAgent: r.Header.Get("User-Agent"),
		},
		RequestID: requestID,
		RouteKey:  rt.key.String(),
		Stage:     "$default",
		Time:      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		TimeEpoch: now.UnixMilli(),
	}
	return ev
}

// isText reports whether HTTP API passes a body of this type as text.
func isText(h http.Header) bool {
	if enc := strings.TrimSpace(h.Get("Content-Encoding")); enc != "" && !strings.EqualFold(enc, "identity") {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"), mt == "application/json", mt == "application/xml", mt == "application/javascript":
		return true
	}
	return false
}

func queryParameters(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	out := map[string]string{}
	var order []string
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if u, err := url.QueryUnescape(k); err == nil {
			k = u
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		if prev, ok := out[k]; ok {
			out[k] = prev + "," + v
		} else {
			out[k] = v
			order = append(order, k)
		}
	}
	if len(order) == 0 {
		return nil
	}
	return out
}

// traceID is an X-Ray trace header as API Gateway adds it.
func traceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(b[:]))
}

// newRequestID is an id in the form of API Gateway's request ids: 11 bytes
// in standard base64, 16 characters ending in one '=' ("JKJaXmPLvHcESHA=").
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// response is what a function returned, as API Gateway reads it.
type response struct {
	status int
	header http.Header
	body   []byte
}

// write sends the response to the client: its headers, status and body,
// with the body's Content-Length, as API Gateway sends a Lambda proxy
// response it has whole (it does not stream one): written after the status
// without it, a body over Go's 2 KB buffer went chunked. A status without a
// body (1xx, 204, 304) gets none; a HEAD's is the length GET's body has.
func (res response) write(w http.ResponseWriter) {
	for k, vs := range res.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if res.status >= 200 && res.status != http.StatusNoContent && res.status != http.StatusNotModified {
		w.Header().Set("Content-Length", strconv.Itoa(len(res.body)))
	}
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body)
}

// reservedHeaders are set by API Gateway, never taken from a function.
var reservedHeaders = []string{"Connection", "Content-Length", "Date", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Apigw-Requestid"}

// parseResponse reads a function's payload-format-2.0 response. An object
// with a statusCode is a full response: statusCode (an integer), headers,
// cookies (each a Set-Cookie header), body, isBase64Encoded (the body is
// decoded). Format 2.0's response has no multiValueHeaders (format 1.0's):
// API Gateway does not read it, so neither does this. Any other valid JSON
// is a bare body, and API Gateway infers the rest: 200, Content-Type
// application/json, the JSON as the body, except that a JSON string is
// its value (the developer guide's output "Hello from Lambda!" is the body
// Hello from Lambda!, without the quotes, as sam local start-api sends it).
// Anything else is malformed: API Gateway answers 500.
func parseResponse(payload []byte) (response, error) {
	if !json.Valid(payload) {
		return response{}, fmt.Errorf("%w: not JSON", errMalformedLambdaReply)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(payload, &obj) != nil || obj["statusCode"] == nil {
		body := bytes.TrimSpace(payload)
		var s string
		if body[0] == '"' && json.Unmarshal(body, &s) == nil {
			body = []byte(s)
		}
		return response{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: body}, nil
	}
	// Each field by its exact name, as obj holds it (the last of a name
	// given twice, as API Gateway and SAM read JSON): decoded into a
	// struct, Go would match any case (Body, STATUSCODE).
	var out struct {
		StatusCode      json.Number
		Headers         map[string]string
		Cookies         []string
		Body            *string
		IsBase64Encoded bool
	}
	for _, f := range []struct {
		name string
		into any
	}{{"statusCode", &out.StatusCode}, {"headers", &out.Headers}, {"cookies", &out.Cookies}, {"body", &out.Body}, {"isBase64Encoded", &out.IsBase64Encoded}} {
		raw, ok := obj[f.name]
		if !ok {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(f.into); err != nil {
			return response{}, fmt.Errorf("%w: %s: %v", errMalformedLambdaReply, f.name, err)
		}
	}
	status, err := strconv.Atoi(out.StatusCode.String())
	if err != nil || status < 100 || status > 599 {
		return response{}, fmt.Errorf("%w: statusCode %s", errMalformedLambdaReply, out.StatusCode)
	}
	res := response{status: status, header: http.Header{}}
	for k, v := range out.Headers {
		res.header.Add(k, v)
	}
	for _, c := range out.Cookies {
		res.header.Add("Set-Cookie", c)
	}
	for _, h := range reservedHeaders {
		res.header.Del(h)
	}
	if out.Body != nil {
		res.body = []byte(*out.Body)
		if out.IsBase64Encoded {
			if res.body, err = base64.StdEncoding.DecodeString(*out.Body); err != nil {
				return response{}, fmt.Errorf("%w: body is not base64: %v", errMalformedLambdaReply, err)
			}
		}
	}
	return res, nil
}

// isFunctionError reports whether an invocation's payload is a function
// error as the Runtime API reports it ({"errorMessage", "errorType", ...}):
// the emulator returns it as the payload, without Lambda's
// X-Amz-Function-Error header, so it is told by its shape, as SAM CLI does.
func isFunctionError(payload []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(payload, &obj) != nil {
		return false
	}
	if _, ok := obj["errorMessage"]; !ok {
		return false
	}
	for k := range obj {
		switch k {
		case "errorMessage", "errorType", "stackTrace", "cause", "requestId":
		default:
			return false
		}
	}
	return true
}

// domainName is requestContext.domainName for the Host a client sent. On
// AWS it is the API's own domain name; here, the host the client named, its
// port left out. The functions' api-proxy adapter builds each request's URL
// as "https://" + domainName + rawPath and fails the invocation (API
// Gateway's 500) when that does not parse, which the API's domain on AWS
// always does: so an IPv6 literal keeps its brackets ("[::1]", the Host of
// `HOST=::1 make start-api`), and a Host that is no URL's host (Go's server
// lets a % or a user@ through) is "localhost", the function answering it as
// the local server does.
func domainName(host string) string {
	d := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		d = h
		if strings.Contains(h, ":") {
			d = "[" + h + "]"
		}
	}
	if u, err := url.Parse("https://" + d + "/"); err != nil || u.Host != d || u.User != nil || d == "" {
		return "localhost"
	}
	return d
}
