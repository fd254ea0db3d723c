package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/doctext"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// The tests of this file hold docs/openapi.yaml's prose to answers both
// local servers give that no schema can describe: a client generated from
// the document learns them from its descriptions only, so each must say
// what the servers do (and what the README says they do).

// cutShortRoundTrip writes head and then part of a body shorter than the
// Content-Length head announces to the server at base, closes its side of
// the connection (a client that gave up), and reads the answer to method.
func cutShortRoundTrip(t *testing.T, base, method, head, part string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, head+part); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the answer's body: %v", err)
	}
	return res, raw
}

// TestOpenAPINamesTheBodiesNoFunctionReads: README, Errors: "a body sent
// chunked whose framing is broken, or one that ends before its
// `Content-Length`, on any path: API Gateway cannot buffer it, so no
// function sees it" (its 400 `{"message":"Bad Request"}`); "413 | ... one
// whose Lambda event is over 6 MiB (... less for a text body the event's
// JSON escapes: on the local servers a little over 1 MB of `<`, `>` or
// `&`, each written as six bytes, `\u003c`, is over it)"; Security: "A
// `GET` or `DELETE` takes no body, and its `Content-Encoding` is ignored".
// Both local servers answer so; docs/openapi.yaml's info.description, the
// list of answers no schema describes, named only the chunked body, a 413
// at "about 6 MB, 4.7 MB without a JSON or text `Content-Type`", and a
// GET's body.
func TestOpenAPINamesTheBodiesNoFunctionReads(t *testing.T) {
	diff := apitarget.NewDiff()
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		host := strings.TrimPrefix(tg.URL, "http://")

		const part = `{"amount":1,`
		for _, path := range []string{"/sessions", "/no-such-route"} {
			head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", path, host, tok)
			res, raw := cutShortRoundTrip(t, tg.URL, "POST", head, part)
			name := "a body cut short, " + path
			diff.Add(k, name, res.StatusCode, res.Header, raw)
			if res.StatusCode != http.StatusBadRequest || string(raw) != httpapi.GatewayBadRequest || res.Header.Get("X-Request-Id") != "" {
				t.Errorf("%s: %d %s (X-Request-Id %q); got that, want 400 %s without the service's headers", name, res.StatusCode, raw, res.Header.Get("X-Request-Id"), httpapi.GatewayBadRequest)
			}
		}

		// 1.1 MB of '<' is far under API Gateway's 10 MB and 6 MB of
		// body, but each '<' is six bytes in the Lambda event's JSON.
		req, err := http.NewRequest("POST", tg.URL+"/sessions", strings.NewReader(strings.Repeat("<", 1_100_000)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, raw := roundTrip(t, "1.1 MB of <", req)
		diff.Add(k, "1.1 MB of <", res.StatusCode, res.Header, raw)
		if res.StatusCode != http.StatusRequestEntityTooLarge || string(raw) != samlocal.GatewayTooLarge {
			t.Errorf("1.1 MB of <: %d %s; want 413 %s", res.StatusCode, raw, samlocal.GatewayTooLarge)
		}

		// A DELETE's body, its type and its coding are not judged: the
		// unknown key's 404, not the 415 a POST would get.
		req, err = http.NewRequest("DELETE", tg.URL+"/api-keys/0123456789abcdef", strings.NewReader(strings.Repeat("x", 1000)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Content-Encoding", "gzip")
		res, raw = roundTrip(t, "DELETE with a body", req)
		diff.Add(k, "DELETE with a body", res.StatusCode, res.Header, raw)
		var problem any
		_ = json.Unmarshal(raw, &problem)
		if res.StatusCode != http.StatusNotFound || errorCode(problem) != "NOT_FOUND" {
			t.Errorf("DELETE with a gzip text body: %d %s; want 404 NOT_FOUND", res.StatusCode, raw)
		}
	})
	diff.Check(t)

	desc := doctext.File(t, "docs/openapi.yaml")
	for _, quote := range []string{
		"So is a body that ends before its `Content-Length`",
		"less for a text body the event's JSON escapes: on the local servers a little over 1 MB of `<`, `>` or `&`",
		"A GET's or DELETE's body is never read by the service, nor its `Content-Type` or `Content-Encoding` judged",
	} {
		if !strings.Contains(desc, quote) {
			t.Errorf("docs/openapi.yaml does not say %q", quote)
		}
	}
}

// TestOpenAPIMerchantIDsAreTheTokensOwn: README, "Merchant ids (from
// `merchant_id`) are 1 to 128 characters of `A-Z a-z 0-9 . _ : @ -`; a
// token with any other is refused (401)", and no card number is accepted
// "anywhere in a request (... the token's `merchant_id` ...)" ("in the
// token's `merchant_id`, 401 `UNAUTHENTICATED`"). docs/openapi.yaml's
// `MerchantId` is that pattern, and its bearer scheme took "the merchant
// from `merchant_id`" without saying which ids are refused: a merchant
// whose provider writes another id (a space, an e-mail's `+`) learns it
// from a 401 only. Each id below is minted into a token and used on both
// local servers: a create is 201 exactly when the document's pattern
// admits the id and it holds no card number, and the scheme says so.
func TestOpenAPIMerchantIDsAreTheTokensOwn(t *testing.T) {
	doc := loadSpec(t)
	pattern := regexp.MustCompile(doc.Components.Schemas["MerchantId"].Value.Pattern)
	ids := []struct {
		id   string
		card bool
	}{
		{"m-1", false},
		{"A.b_c:d@e-9", false},
		{strings.Repeat("x", 128), false},
		{strings.Repeat("x", 129), false},
		{"m 1", false},
		{"m+1@shop.example", false},
		{"é", false},
		{"m/1", false},
		{"4111111111111111", true},
	}
	diff := apitarget.NewDiff("hcpToken", "id", "createdAt", "updatedAt", "expiresAt")
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		for _, tt := range ids {
			tok := mint(t, tg.URL, "merchant_id="+url.QueryEscape(tt.id))
			code, body := client{t, tg.URL, tok}.call("POST", "/sessions", `{"amount":1,"currency":"EUR"}`)
			diff.Add(k, "merchant "+tt.id, code, nil, nil)
			want := http.StatusUnauthorized
			if pattern.MatchString(tt.id) && !tt.card {
				want = http.StatusCreated
			}
			if code != want {
				t.Errorf("merchant_id %q: create = %d %v; want %d", tt.id, code, body, want)
			}
		}
	})
	diff.Check(t)
	scheme := strings.Join(strings.Fields(doc.Components.SecuritySchemes["bearerAuth"].Value.Description), " ")
	if want := "the merchant from `merchant_id`, 1 to 128 of `A-Z a-z 0-9 . _ : @ -` (`MerchantId`) and no card number: a token with any other is 401"; !strings.Contains(scheme, want) {
		t.Errorf("the bearer scheme's description does not say which merchant ids a token may carry: no %q", want)
	}
}
