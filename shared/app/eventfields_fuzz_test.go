package app_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzGatewayEventFields sends one client request that carries a header
// twice (any name, in any case, any two values), a Cookie header and any
// query, two ways, as FuzzLambdaAnswersAsLocal does (sameAnswer): as API
// Gateway's payload 2.0 event builds it, and as the local server reads
// it. API Gateway's developer guide, format 2.0: "Header names are
// lowercased", "Duplicate headers are combined with commas", the Cookie
// header's cookies move to the cookies field, and the query arrives twice
// (rawQueryString, and queryStringParameters with a repeated parameter's
// values joined by commas); an authorizer's context, which the template's
// routes have none of, can be anything. docs/design.md §1: "Locally the
// same handlers run on one net/http server", so the answers must be the
// same (sameAnswer's comparison), and the Lambda answer one API Gateway
// takes (checkGatewayResponse). The README, of Authorization and
// X-Api-Key: "a repeated header ... is 401 whatever its first value (API
// Gateway joins repeats with commas)".
func FuzzGatewayEventFields(f *testing.F) {
	x := newLambdaFuzz(f)
	samples := x.samples
	for i, ev := range samples {
		auth := ev.Headers["authorization"]
		f.Add(uint8(i), "Authorization", auth, auth, "", ev.RawQueryString, "", "")
		f.Add(uint8(i), "X-API-KEY", ev.Headers["x-api-key"], "", "session=1; a=b", ev.RawQueryString, "merchant_id", "m-2")
		f.Add(uint8(i), "x-merchant-id", ev.Headers["x-merchant-id"], ev.Headers["x-merchant-id"], "authorization=Bearer x", "limit=1&limit=2", "authorization", auth)
		f.Add(uint8(i), "Idempotency-Key", "k-1", "k-2", "a=1;;b", "init=true&init=false", "", "")
		f.Add(uint8(i), "accept-encoding", "gzip", "identity", "", "createdDate=2026-11-23&x=%zz", "scope", "sessions:write")
		f.Add(uint8(i), "Content-Type", "application/json", "text/plain", "", "a=1,2&a=3", "", "")
	}
	f.Fuzz(func(t *testing.T, which uint8, name, v1, v2, cookie, query, authKey, authValue string) {
		sample := samples[int(which)%len(samples)]
		routeMethod, _, _ := strings.Cut(sample.RouteKey, " ")
		v1, v2 = strings.Trim(v1, " \t"), strings.Trim(v2, " \t")
		switch {
		case name == "" || strings.IndexFunc(name, notToken) >= 0,
			strings.ContainsAny(v1+v2+cookie, "\r\n\x00"),
			strings.IndexFunc(query, notTarget) >= 0 || strings.Contains(query, "#"):
			return // not what a client can send
		}
		lower := strings.ToLower(name)
		switch lower {
		case "content-length", "host", "transfer-encoding", "cookie", "connection", "te", "trailer", "upgrade", "expect":
			return // the transport's own
		}
		var cookies []string
		for _, c := range strings.Split(cookie, ";") {
			if c = strings.Trim(c, " \t"); c != "" {
				cookies = append(cookies, c)
			}
		}

		// The event API Gateway builds: the header's two values joined.
		ev := sample
		ev.Headers = map[string]string{}
		for k, v := range sample.Headers {
			if k != lower {
				ev.Headers[k] = v
			}
		}
		ev.Headers[lower] = v1 + "," + v2
		ev.Cookies = cookies
		ev.RawQueryString, ev.QueryStringParameters = query, gatewayQuery(query)
		if authKey != "" {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{authKey: authValue}}
		}

		// The local server's request: the header sent twice, as named.
		body := []byte(sample.Body)
		if sample.IsBase64Encoded {
			body, _ = base64.StdEncoding.DecodeString(sample.Body)
		}
		path := sample.RawPath
		if path == "" {
			path = sample.RequestContext.HTTP.Path
		}
		r := httptest.NewRequest(routeMethod, "/", bytes.NewReader(body))
		r.URL.Path, r.URL.RawPath, r.URL.RawQuery = path, "", query
		r.RequestURI = path
		if query != "" {
			r.RequestURI += "?" + query
		}
		r.Host = sample.Headers["host"]
		for k, v := range sample.Headers {
			if k != "host" && k != lower {
				r.Header.Set(k, v)
			}
		}
		r.Header.Add(name, v1)
		r.Header.Add(name, v2)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.ContentLength = int64(len(body))
		x.sameAnswer(t, sample, ev, r, fmt.Sprintf("%s %s ?%q, %s: %q and %q, Cookie %q", routeMethod, path, query, name, v1, v2, cookie))
	})
}
