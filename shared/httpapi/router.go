package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/paysessions/paysessions/shared/session"
)

// Route is one endpoint: a net/http pattern ("GET /sessions/{sessionId}")
// and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// router is a ServeMux whose misses answer as they do on AWS. A known path
// with another method reaches its function (the template declares an ANY
// route beside each real one) and is answered 405 with Allow, in the error
// shape of the endpoint at that path (document 001's envelope on 001's
// path, a problem document elsewhere); where GET is allowed, so is HEAD. A path that matches no route never
// reaches a Lambda: API Gateway answers it itself, 404 with its own body,
// and so does the router. That includes a path not in its canonical form
// (an empty or a dot segment): API Gateway matches routes against the path
// as sent, where ServeMux would redirect to the cleaned path.
type router struct {
	mux *http.ServeMux
}

// NewRouter serves routes. The local server mounts every route on one
// router; each Lambda mounts its own, so path values work the same in both.
func NewRouter(routes ...Route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	return &router{mux: mux}
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.EscapedPath(); !canonical(p) {
		noteError(r, GatewayNotFoundError())
		writeGatewayNotFound(w)
		return
	}
	if h, pattern := rt.mux.Handler(r); pattern != "" {
		// A body that says it is too large is refused before it is read,
		// in the endpoint's error shape, on the methods that take one;
		// other methods never read theirs. A body of unknown length (sent
		// chunked) is read first, up to one byte past the limit, as API
		// Gateway buffers every body before the function sees it (the
		// Lambda adapter's requests always carry their length), so it too
		// is refused by its size before anything else.
		if r.ContentLength < 0 && takesBody(r.Method) && r.Body != nil {
			r.ContentLength = sizeBody(r)
		}
		if r.ContentLength > MaxBodyBytes && takesBody(r.Method) {
			// The route is known: the request's log line names it, as
			// ServeMux would have set it for the handler.
			r.Pattern = pattern
			answer := errorWriter(writeProblem)
			if e, ok := h.(*endpoint); ok {
				answer = e.errors
			}
			err := tooLarge()
			noteError(r, err)
			answer(w, r, err)
			return
		}
		rt.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	answer := errorWriter(writeProblem)
	matched := ""
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if h, pattern := rt.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
			if matched == "" {
				matched = pathOf(pattern)
			}
			if e, ok := h.(*endpoint); ok {
				answer = e.errors
			}
		}
	}
	if len(allow) > 0 {
		// The request's log line names the path it matched (pathOf).
		r.Pattern = matched
		// A GET route serves HEAD too (ServeMux matches it, as RFC 9110
		// §9.3.2 expects of a server), so Allow names both.
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		// The method is named only when it may be shown (loggedMethod).
		msg := "This method is not allowed here."
		if m := loggedMethod(r.Method); m != redacted {
			msg = "Method " + m + " is not allowed here."
		}
		err := &session.Error{Code: session.EMETHOD, Reason: session.ReasonMethodNotAllowed, Message: msg}
		noteError(r, err)
		answer(w, r, err)
		return
	}
	noteError(r, GatewayNotFoundError())
	writeGatewayNotFound(w)
}

// pathOf is a route pattern's path ("GET /sessions/{sessionId}" is
// "/sessions/{sessionId}").
//
// It is what a 405's log line names as its route: the path pattern the
// request's path matched under another method (of the first method Allow
// lists in the router's order, should two methods' routes on one path
// differ, which none of the service's do), without a method, since no
// route of the request's own method matched. A routed request's line names
// its whole pattern ("GET /sessions/{sessionId}"), and a path no route
// matches names none (""), so the three read apart. The Lambda path and
// the local server share the router, so both log it so.
func pathOf(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return p
	}
	return pattern
}

// canonical reports whether p is in the form ServeMux routes without
// redirecting: rooted, no empty segment but a trailing slash, no . or ..
// segment.
func canonical(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean == p
}

// GatewayNotFound is API Gateway's own answer to a request that matches no
// route of an HTTP API, body and content type as it sends them.
const GatewayNotFound = `{"message":"Not Found"}`

// writeGatewayNotFound answers exactly as API Gateway does for a path no
// route matches: 404, {"message":"Not Found"} (WriteGatewayAnswer).
func writeGatewayNotFound(w http.ResponseWriter) {
	WriteGatewayAnswer(w, http.StatusNotFound, GatewayNotFound)
}

// WriteGatewayAnswer answers as API Gateway does itself, for a request no
// function sees (on AWS it never reaches one): status, application/json,
// body (GatewayNotFound, GatewayBadRequest), and none of the headers the
// service's middleware adds to the answers of its functions.
func WriteGatewayAnswer(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	for _, k := range []string{"Cache-Control", "X-Content-Type-Options", "Strict-Transport-Security", "X-Request-Id"} {
		h.Del(k)
	}
	writeBody(w, status, contentTypeJSON, []byte(body))
}

// GatewayAnswer is a handler that answers every request as API Gateway
// does itself (WriteGatewayAnswer: status, body) and notes err, when not
// nil, for the request's log line (its code). A local server mounts it
// behind Middleware for each answer it gives in API Gateway's stead, before
// any route, so such a request has its one log line like every other (on
// AWS, API Gateway's access log has it): a request id, no route, the
// status and the latency; the method and path as every line shows them
// (loggedMethod, loggedPath), and nothing of the request's headers.
func GatewayAnswer(status int, body string, err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err != nil {
			noteError(r, err)
		}
		WriteGatewayAnswer(w, status, body)
	})
}

// GatewayNotFoundError is what a request line notes of API Gateway's own
// 404 (GatewayNotFound), as the router notes it for a path no route
// matches.
func GatewayNotFoundError() error {
	return session.Errorf(session.ENOTFOUND, session.ReasonNotFound, "No route.")
}

// GatewayBadRequest is API Gateway's own answer to a request path it
// refuses (GatewayPath), with the status http.StatusBadRequest.
const GatewayBadRequest = `{"message":"Bad Request"}`

// GatewayInternalError is API Gateway's own answer, with the status
// http.StatusInternalServerError, to an invocation that failed (a crash, a
// timeout, an answer the handler cut short): the function's answer, if it
// began one, is not sent.
const GatewayInternalError = `{"message":"Internal Server Error"}`

// GatewayRequestTimeout is the local servers' answer (make run's and make
// start-api's), in API Gateway's shape, to a request whose body does not
// arrive within its bound (samlocal.DefaultBodyTimeout,
// localserver.Options.BodyTimeout, samlocal.Options.BodyTimeout), with the
// status http.StatusRequestTimeout and the connection closed. The status
// and body are the local servers' choice: what API Gateway answers a
// client that stalls its body, and after how long, is not documented.
const GatewayRequestTimeout = `{"message":"Request Timeout"}`

// GatewayHeaderTooLarge is the local servers' answer, as API Gateway's
// own, to a request whose head is over HTTP APIs' quota (MaxGatewayHead),
// with the status http.StatusRequestHeaderFieldsTooLarge. The quota is
// AWS's; the status and body are the local servers' choice (what API
// Gateway answers is not documented).
const GatewayHeaderTooLarge = `{"message":"Request Header Fields Too Large"}`

// MaxGatewayHead is HTTP APIs' quota "Total combined size of request line
// and header values", 10240 bytes, which cannot be increased: API Gateway
// refuses a larger request itself, before it routes it (GatewayHeadSize
// counts it).
const MaxGatewayHead = 10240

// GatewayHeadSize returns the size of r's head as MaxGatewayHead's quota
// words it, read literally: the request line as HTTP/1.1 defines it
// (RFC 9112: method SP request-target SP HTTP-version, each as sent, the
// CRLF after it not included), and the value of every header field as
// sent, without the white space around it (RFC 9112: field-name ":" OWS
// field-value OWS), Host's and Transfer-Encoding's included (Go moves them
// out of r.Header). A field's name, its colon and the line ends are not
// values, and are not counted.
//
// It counts the head as Go's server parsed it, which differs from the
// bytes sent only for heads no client of this API sends: a Content-Length
// sent twice counts once (Go keeps one), a Content-Length sent with a
// chunked body not at all (Go drops it, and leading zeros make it as long
// as one likes), a Trailer field of a chunked body not at all (Go moves it
// into r.Trailer), a Transfer-Encoding of HTTP/1.0 not at all (Go drops
// it), a Pragma: no-cache without Cache-Control as if Cache-Control:
// no-cache came with it (Go adds it), a value folded over lines as Go
// joins it, and a request-target in absolute form with the target's host
// as Host's value (Go ignores a Host field then).
func GatewayHeadSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + len(r.Host)
	for _, te := range r.TransferEncoding {
		n += len(te)
	}
	for _, vs := range r.Header {
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// GatewayPath returns, for a request path as the client sent it (escaped),
// the path an HTTP API routes the request by and the rawPath it delivers in
// the event; ok false: API Gateway refuses the request itself with a 400,
// before any route or function.
//
// What live captures show. Payload format 2.0 events of an HTTP API whose
// one route is $default (hotsock/voker, vokerhttp/testdata/ingress-paths.json,
// made by examples/aws-ingress-probe/paths.py; sent path to rawPath):
// "/capture/slash%2Fvalue" to "/capture/slash/value",
// "/capture/literal%252Fvalue" to "/capture/literal/value",
// "/capture/literal%2525value" to "/capture/literal%value",
// "/capture/literal%253Fvalue" to "/capture/literal?value",
// "/capture/hash%23value" to "/capture/hash#value", and
// "/capture/question%3Fvalue" to "/capture/question", the real query
// string still there; "/capture/percent%25done" was answered 400 (the
// status alone is recorded). So rawPath (and requestContext.http.path) is
// the path decoded twice, the path ending at a ? the first decoding makes,
// and a second decoding that fails is a 400.
//
// What they do not show, and this function decides. With $default alone
// they show no route matching and no pathParameters: that routes are
// matched against the first decoding (a route's literal segments and the
// segments its variables take) and pathParameters are decoded once more
// is inferred, not captured. Nor do they show whether what follows a ?
// the first decoding makes is dropped or added to rawQueryString (the
// probe compares queries with Python's parse_qs, which ignores the bare
// name "value"): here it is dropped. Nor the 400's body: here it is
// GatewayBadRequest, the {"message":...} shape of API Gateway's other
// answers. Whichever decoding API Gateway routes by, the handler that
// answers is the one rawPath names: the function reached routes rawPath
// against its own route alone, and one it does not match is a 404. Where
// the two decodings name different routes, the local server answers 404
// itself (localserver).
func GatewayPath(escaped string) (routed, raw string, ok bool) {
	routed, err := url.PathUnescape(escaped)
	if err != nil {
		return "", "", false
	}
	if i := strings.IndexByte(routed, '?'); i >= 0 {
		routed = routed[:i]
	}
	if raw, err = url.PathUnescape(routed); err != nil {
		return "", "", false
	}
	return routed, raw, true
}

// sizeBody reads a body of unknown length up to one byte past MaxBodyBytes
// and puts what it read back in front of the rest, returning the length
// (MaxBodyBytes+1 when the body is longer; -1, still unknown, when the
// read failed, which the handler's own read then meets).
func sizeBody(r *http.Request) int64 {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r.Body, MaxBodyBytes+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(&buf, r.Body), r.Body}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return MaxBodyBytes + 1
	case err != nil:
		return -1 // broken: the handler's own read meets the error
	}
	return n
}
