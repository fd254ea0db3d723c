package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestRequestEdgesAnswerAsOnAWS sends, to the local server and to make
// start-api's stack, requests at the edges of HTTP where the two once
// answered differently, and wants from both what AWS answers: the stack's
// real binaries behind its emulation of API Gateway. Then every answer of
// the one must be the other's.
//
//   - A path that is not in its canonical form (an empty segment, a dot
//     segment) matches no route of an HTTP API: API Gateway answers 404
//     itself. Go's ServeMux would redirect it to the clean path instead.
//   - A header sent twice reaches a function as one list: "Duplicate
//     headers are combined with commas" (API Gateway, payload format 2.0),
//     which the Lambda adapter splits again; "X-Merchant-Id: m-1,m-2" and
//     two X-Merchant-Id fields are the same request, and name two
//     merchants.
//   - An HTTP API decodes the path twice before it builds the event (live
//     captures), and the local servers route by the first decoding (an
//     inference: httpapi.GatewayPath): a client's %2525, %23, %01 or %20 reaches the function
//     as a bare %, #, control character or space in rawPath. Each stays
//     part of the path id it was sent in (a 4xx as for any bad id), never
//     an invocation error (API Gateway's 500) or a query string. A %3F
//     ends the path there: "/sessions/<id>%3Fx" reads <id>, and the
//     local servers drop 003's init=true after it (whether AWS adds it to
//     the query string the captures do not show). A %25 whose second
//     decoding finds a bare % is API Gateway's own 400.
//   - A %2F (or %252F) is decoded with the rest of the path, so it
//     separates segments: "/sessions/a%2Fb" reaches the function, if at
//     all, as rawPath "/sessions/a/b", which no route matches (404, API
//     Gateway's shape), never as an id "a/b" refused for its form (400).
//   - The method reaches the handler upper-cased: the api-proxy adapter
//     builds the request with strings.ToUpper(requestContext.http.method)
//     (aws-lambda-go-api-proxy core/requestv2.go), so "get" is GET there and
//     must be on the local server too; an unknown method is 405 with Allow.
//   - A query is passed on raw (rawQueryString) and split on '&' only: a
//     document-004 limit or cursor holding a ';' is malformed (400), as
//     docs/design.md §6 says ("A missing or malformed createdDate, limit or
//     cursor is 400"), never dropped as Go's url.ParseQuery drops it.
//   - A raw '#' (a client that sends it instead of stripping the fragment)
//     is part of the query, as the Lambda wrapper reads rawQueryString
//     (app.encodeQuery): the value holding it is malformed (400), never a
//     fragment that ends the query early, nor an invocation error.
//   - The local servers' own routes (/local/token, /.well-known/jwks.json)
//     are reached as the service's routes are ("they answer with the same
//     headers and error shapes as the service", README): the path decoded as
//     an HTTP API delivers it (a %2F a separator, a %3F the end of the
//     path) and the method upper-cased, on make run and on start-api alike.
func TestRequestEdgesAnswerAsOnAWS(t *testing.T) {
	diff := apitarget.NewDiff("hcpToken", "paymentCode")
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		id := client{t, tg.URL, tok}.create(`{"amount":1,"currency":"EUR"}`)
		const gateway, gatewayBadRequest = "gateway", "gateway400"
		tests := []struct {
			name, method, path string
			header             http.Header
			status             int
			code               string // the error's code, or gateway: API Gateway's own 404
		}{
			{"double slash", "GET", "//sessions/" + id, bearer(tok), 404, gateway},
			{"empty segment", "GET", "/sessions//" + id, bearer(tok), 404, gateway},
			{"dot segment", "GET", "/sessions/./" + id, bearer(tok), 404, gateway},
			{"dot-dot segment", "GET", "/sessions/x/../" + id, bearer(tok), 404, gateway},
			{"trailing slash", "GET", "/sessions/" + id + "/", bearer(tok), 404, gateway},
			{"upper-case path", "GET", "/SESSIONS/" + id, bearer(tok), 404, gateway},
			{"clean path", "GET", "/sessions/" + id, bearer(tok), 200, ""},
			{"HEAD", "HEAD", "/sessions/" + id, bearer(tok), 200, ""},
			{"OPTIONS", "OPTIONS", "/sessions/" + id, bearer(tok), 405, "METHOD_NOT_ALLOWED"},
			{"003 X-Merchant-Id naming two merchants", "GET", "/v1/checkout-sessions/" + id, bearer(tok, "X-Merchant-Id", "m-1,m-2"), 400, "VALIDATION_FAILED"},
			{"003 X-Merchant-Id sent twice", "GET", "/v1/checkout-sessions/" + id, bearer(tok, "X-Merchant-Id", "m-1", "X-Merchant-Id", "m-1"), 400, "VALIDATION_FAILED"},
			{"003 X-Merchant-Id once", "GET", "/v1/checkout-sessions/" + id, bearer(tok, "X-Merchant-Id", "m-1"), 200, ""},
			{"encoded % as the id is API Gateway's 400", "GET", "/sessions/%25", bearer(tok), 400, gatewayBadRequest},
			{"encoded % after the id is API Gateway's 400", "GET", "/sessions/" + id + "%25", bearer(tok), 400, gatewayBadRequest},
			{"twice-encoded % after the id is a bare % in it", "GET", "/sessions/" + id + "%2525", bearer(tok), 400, "VALIDATION_FAILED"},
			{"twice-encoded character in the id", "GET", "/sessions/" + fmt.Sprintf("%%25%02X", id[0]) + id[1:], bearer(tok), 200, ""},
			{"twice-encoded letter in a literal segment", "GET", "/%2573essions/" + id, bearer(tok), 404, gateway},
			{"encoded ? ends the path", "GET", "/sessions/" + id + "%3Fx=1", bearer(tok), 200, ""},
			{"encoded control character in the id", "GET", "/sessions/a%01b", bearer(tok), 400, "VALIDATION_FAILED"},
			{"encoded space in the id", "GET", "/sessions/a%20b", bearer(tok), 400, "VALIDATION_FAILED"},
			{"003 encoded ? ends the id, and the init=true after it is no query", "GET", "/v1/checkout-sessions/" + id + "%3Finit=true", bearer(tok, "X-Merchant-Id", "m-1"), 200, ""},
			{"003 twice-encoded ? inside the id is not a query", "GET", "/v1/checkout-sessions/" + id + "%253Finit=true", bearer(tok, "X-Merchant-Id", "m-1"), 400, "VALIDATION_FAILED"},
			{"004 encoded # inside the opaque id", "GET", "/pps/api/v1/session-record/" + id + "%23x", bearer(tok), 404, "SESSION_NOT_FOUND"},
			{"001 encoded braces (a .NET Guid form)", "GET", "/v2.0/payments/%7B" + id + "%7D/status", bearer(tok), 200, ""},
			{"encoded slash in the id is a separator", "GET", "/sessions/" + id[:8] + "%2F" + id[9:], bearer(tok), 404, gateway},
			{"001 encoded slash in the id is a separator", "GET", "/v2.0/payments/a%2Fb/status", bearer(tok), 404, gateway},
			{"twice-encoded slash in the id is a separator", "GET", "/sessions/" + id[:8] + "%252F" + id[9:], bearer(tok), 404, gateway},
			{"encoded slash before a known segment", "GET", "/sessions/" + id + "%2Fevents", bearer(tok), 405, "METHOD_NOT_ALLOWED"},
			{"twice-encoded slash before a known segment", "GET", "/sessions/" + id + "%252Fevents", bearer(tok), 404, gateway},
			{"encoded dot-dot segment", "GET", "/sessions/x/%2E%2E/" + id, bearer(tok), 404, gateway},
			{"lower-case method, as the adapter upper-cases it", "get", "/sessions/" + id, bearer(tok), 200, ""},
			{"lower-case method on a route of another method", "post", "/sessions/" + id, bearer(tok), 405, "METHOD_NOT_ALLOWED"},
			{"unknown method", "FOO", "/sessions/" + id, bearer(tok), 405, "METHOD_NOT_ALLOWED"},
			{"004 limit holding a ';' is malformed, not absent", "GET", "/pps/api/v1/session-record?createdDate=2026-11-30&limit=2;x", bearer(tok), 400, "VALIDATION_FAILED"},
			{"004 cursor holding a ';' is malformed, not absent", "GET", "/pps/api/v1/session-record?createdDate=2026-11-30&cursor=x;y", bearer(tok), 400, "VALIDATION_FAILED"},
			{"004 raw # after createdDate is part of it", "GET", "/pps/api/v1/session-record?createdDate=2026-11-30#x", bearer(tok), 400, "VALIDATION_FAILED"},
			{"004 raw # in limit is part of it, not the end of the query", "GET", "/pps/api/v1/session-record?createdDate=2026-11-30&limit=2#x&cursor=y", bearer(tok), 400, "VALIDATION_FAILED"},
			{"003 raw # after init=true is part of it", "GET", "/v1/checkout-sessions/" + id + "?init=true#x", bearer(tok, "X-Merchant-Id", "m-1"), 400, "VALIDATION_FAILED"},
			{"raw # in a query the endpoint ignores", "GET", "/sessions/" + id + "?a=#b", bearer(tok), 200, ""},
			{"raw # in the path is part of the id", "GET", "/sessions/" + id + "#x", bearer(tok), 400, "VALIDATION_FAILED"},
			{"issuer: encoded slash in the token path is a separator", "GET", "/local%2Ftoken?ttl=x", nil, 400, "VALIDATION_FAILED"},
			{"issuer: encoded slash in the JWKS path is a separator", "HEAD", "/.well-known%2Fjwks.json", nil, 200, ""},
			{"issuer: encoded ? ends the token path", "HEAD", "/local/token%3Fttl=x", nil, 200, ""},
			{"issuer: encoded slash with another method", "POST", "/local%2Ftoken", nil, 405, "METHOD_NOT_ALLOWED"},
			{"issuer: lower-case method, as the adapter upper-cases it", "get", "/local/token?ttl=x", nil, 400, "VALIDATION_FAILED"},
			{"issuer: twice-encoded slash in the token path", "GET", "/local%252Ftoken", nil, 404, gateway},
		}
		for _, tt := range tests {
			req, err := http.NewRequest(tt.method, tg.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tt.path, "#") {
				// Sent as written: the client keeps the '#' (http.NewRequest
				// would take what follows it as a fragment, never sent).
				p, q, _ := strings.Cut(tt.path, "?")
				req.URL.Opaque, req.URL.RawQuery, req.URL.Fragment = p, q, ""
			}
			if tt.header == nil {
				tt.header = http.Header{}
			}
			req.Header = tt.header.Clone()
			res, raw := roundTrip(t, tt.name, req)
			diff.Add(k, tt.name, res.StatusCode, res.Header, raw)
			if res.StatusCode != tt.status {
				t.Errorf("%s: %s %s = %d %s; want %d", tt.name, tt.method, tt.path, res.StatusCode, raw, tt.status)
				continue
			}
			switch tt.code {
			case gatewayBadRequest:
				if string(raw) != httpapi.GatewayBadRequest || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Request-Id") != "" {
					t.Errorf("%s: %s %v; want API Gateway's own %s, application/json, none of the service's headers", tt.name, raw, res.Header, httpapi.GatewayBadRequest)
				}
			case gateway:
				if string(raw) != httpapi.GatewayNotFound || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Request-Id") != "" {
					t.Errorf("%s: %s %v; want API Gateway's own %s, application/json, none of the service's headers", tt.name, raw, res.Header, httpapi.GatewayNotFound)
				}
			case "":
			default:
				if !strings.Contains(string(raw), `"code":"`+tt.code+`"`) {
					t.Errorf("%s: body %s; want the code %s", tt.name, raw, tt.code)
				}
			}
		}
	})
	diff.Check(t)
}

// TestRequestBodyEdgesAnswerAsOnAWS sends request bodies at the edges of
// HTTP to the local server and to make start-api's stack, and wants the
// same answer from both:
//
//   - "A request body is one JSON object, Content-Type: application/json"
//     (README, Security), read as sent: an HTTP API passes a request's
//     Content-Encoding and bytes through to the function undecoded, and
//     the service decompresses nothing, so a Content-Encoding other than
//     identity is 415 with Accept-Encoding: identity (RFC 9110 §15.5.16),
//     whether or not the bytes are really compressed.
//   - "413 | body over 64 KiB": also when the body comes chunked, without a
//     Content-Length to refuse it by; 64 KiB exactly is read.
func TestRequestBodyEdgesAnswerAsOnAWS(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"amount":1,"currency":"EUR"}`))
	_ = zw.Close()
	// A body of exactly 64 KiB that is read (and refused for its content),
	// and one byte more.
	pad := func(n int) string { return paddedCreate(n, ' ') }
	diff := apitarget.NewDiff("hcpToken")
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		tests := []struct {
			name     string
			body     string
			header   []string
			chunked  bool
			status   int
			code     string
			encoding string // the Accept-Encoding wanted
		}{
			{"JSON", `{"amount":1,"currency":"EUR"}`, nil, false, 201, "", ""},
			{"Content-Encoding identity", `{"amount":1,"currency":"EUR"}`, []string{"Content-Encoding", "identity"}, false, 201, "", ""},
			{"Content-Encoding gzip on a plain body", `{"amount":1,"currency":"EUR"}`, []string{"Content-Encoding", "gzip"}, false, 415, "UNSUPPORTED_MEDIA_TYPE", "identity"},
			{"Content-Encoding gzip on a gzip body", gz.String(), []string{"Content-Encoding", "gzip"}, false, 415, "UNSUPPORTED_MEDIA_TYPE", "identity"},
			{"Content-Encoding br", `{"amount":1,"currency":"EUR"}`, []string{"Content-Encoding", "br"}, false, 415, "UNSUPPORTED_MEDIA_TYPE", "identity"},
			{"64 KiB exactly", pad(httpapi.MaxBodyBytes), nil, false, 400, "VALIDATION_FAILED", ""},
			{"64 KiB and one byte", pad(httpapi.MaxBodyBytes + 1), nil, false, 413, "BODY_TOO_LARGE", ""},
			{"64 KiB and one byte, chunked", pad(httpapi.MaxBodyBytes + 1), nil, true, 413, "BODY_TOO_LARGE", ""},
			{"64 KiB exactly, chunked", pad(httpapi.MaxBodyBytes), nil, true, 400, "VALIDATION_FAILED", ""},
		}
		for _, tt := range tests {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // no length known: sent chunked
			}
			req, err := http.NewRequest("POST", tg.URL+"/sessions", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = bearer(tok, append([]string{"Content-Type", "application/json"}, tt.header...)...)
			if tt.chunked && req.ContentLength != 0 {
				t.Fatalf("%s: Content-Length %d; want the body chunked", tt.name, req.ContentLength)
			}
			res, raw := roundTrip(t, tt.name, req)
			diff.Add(k, tt.name, res.StatusCode, res.Header, raw)
			if res.StatusCode != tt.status {
				t.Errorf("%s: %d %s; want %d", tt.name, res.StatusCode, raw, tt.status)
				continue
			}
			if tt.code != "" && !strings.Contains(string(raw), `"code":"`+tt.code+`"`) {
				t.Errorf("%s: body %s; want the code %s", tt.name, raw, tt.code)
			}
			if got := res.Header.Get("Accept-Encoding"); got != tt.encoding {
				t.Errorf("%s: Accept-Encoding %q; want %q", tt.name, got, tt.encoding)
			}
		}
	})
	diff.Check(t)
}

// TestUnreadableBodyIsAPIGatewaysOwn400 sends bodies whose chunked framing
// is broken (a chunk size that is not hexadecimal, a chunk longer than its
// size) to the local server and to make start-api's stack, and wants from
// both API Gateway's own 400, in its shape and without the service's
// headers: an HTTP API buffers a request's whole body before it routes the
// request or invokes a function (the Lambda adapter's requests always carry
// their length), so a body it cannot read never reaches a function, whatever
// the route, the method or the credentials. The local server once handed such
// a body to the handler: 400 MALFORMED_JSON in the service's shape on a
// create, 401 without credentials, and 200 on a GET, which never reads its
// body.
func TestUnreadableBodyIsAPIGatewaysOwn400(t *testing.T) {
	diff := apitarget.NewDiff()
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		id := client{t, tg.URL, tok}.create(`{"amount":1,"currency":"EUR"}`)
		const notHex = "zz\r\n{}\r\n0\r\n\r\n"
		const tooLong = "2\r\n{\"amount\":1}\r\n0\r\n\r\n"
		// A body that is framed well for more than the service's 64 KiB
		// and broken after: API Gateway buffers it all (make run once
		// stopped reading at 64 KiB and answered the route's 413).
		pastLimit := fmt.Sprintf("%x\r\n%s\r\n", httpapi.MaxBodyBytes+8, strings.Repeat(" ", httpapi.MaxBodyBytes+8)) + notHex
		tests := []struct {
			name, method, path, auth, chunks string
		}{
			{"create, a chunk size that is not hexadecimal", "POST", "/sessions", "Bearer " + tok, notHex},
			{"create, a chunk longer than its size", "POST", "/sessions", "Bearer " + tok, tooLong},
			{"create without credentials", "POST", "/sessions", "", notHex},
			{"an event", "POST", "/sessions/" + id + "/events", "Bearer " + tok, notHex},
			{"a read, which never reads its body", "GET", "/sessions/" + id, "Bearer " + tok, notHex},
			{"a path that matches no route", "POST", "/no-such-route", "", notHex},
			{"create, broken past the service's 64 KiB", "POST", "/sessions", "Bearer " + tok, pastLimit},
			{"a read, broken past the service's 64 KiB", "GET", "/sessions/" + id, "Bearer " + tok, pastLimit},
			{"the development issuer, reached as the routes are", "GET", "/local/token", "", notHex},
		}
		for _, tt := range tests {
			var req strings.Builder
			fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n", tt.method, tt.path, strings.TrimPrefix(tg.URL, "http://"))
			if tt.auth != "" {
				fmt.Fprintf(&req, "Authorization: %s\r\n", tt.auth)
			}
			req.WriteString("\r\n" + tt.chunks)
			res, raw := rawRoundTrip(t, tg.URL, tt.method, req.String())
			diff.Add(k, tt.name, res.StatusCode, res.Header, raw)
			if res.StatusCode != 400 || string(raw) != httpapi.GatewayBadRequest || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Request-Id") != "" {
				t.Errorf("%s: %d %v %s; want API Gateway's own 400 %s, application/json, none of the service's headers", tt.name, res.StatusCode, res.Header, raw, httpapi.GatewayBadRequest)
			}
		}
	})
	diff.Check(t)
	// The three documents that list API Gateway's own answers say so
	// (docs/openapi.yaml's list once named only the path's failed second
	// decoding, and said a GET's body is never read).
	for _, q := range []struct{ file, quote string }{
		{"README.md", "or a body whose chunked framing is broken (any path, method or credentials): API Gateway's own answer"},
		{"docs/design.md", "or a body whose chunked framing is broken (which API Gateway cannot buffer, so no function sees it), its `{\"message\":\"Bad Request\"}`"},
		{"docs/openapi.yaml", "and so is a body sent chunked whose framing is broken, on any path, method or credentials"},
	} {
		if text := doctext.File(t, q.file); !strings.Contains(text, q.quote) {
			t.Errorf("%s does not say that a body whose chunked framing is broken is API Gateway's own 400: no %q", q.file, q.quote)
		}
	}
}

// sendRaw dials the server at base and writes raw, bytes of one or more
// requests, on the connection, which it gives 30 s; the caller closes it.
func sendRaw(t *testing.T, base, raw string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		c.Close()
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, raw); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

// rawRoundTrip writes req, a whole HTTP/1.1 request as bytes (one Go's
// client would refuse to send), to the server at base and reads its answer
// to method.
func rawRoundTrip(t *testing.T, base, method, req string) (*http.Response, []byte) {
	t.Helper()
	c := sendRaw(t, base, req)
	defer c.Close()
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", req, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return res, raw
}

// roundTrip sends req as it is (no redirect followed) and reads the whole
// answer.
func roundTrip(t *testing.T, name string, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: reading the answer: %v", name, err)
	}
	return res, raw
}
