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
	"github.com/paysessions/paysessions/shared/session"
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

// TestOpenAPIUpdateConflictNamesEveryParentClosed: docs/design.md §4, a
// child's money is refused "once the parent is gone (past its retention,
// whether or not TTL has deleted it; nothing then says how it ended), nor
// within the guard band before that, where the child's write, checked
// against the parent as read, could land once the parent is gone: 409
// `PARENT_CLOSED`"; README, "Child sessions": "a child so replaced takes no
// money from then on (409 `PARENT_CLOSED`)". Both local servers answered a
// child's declined cancellation (`AUTHORISED`) 2.5 s before its `SETTLED`
// parent's retainUntil 409 PARENT_CLOSED while the parent still read 200
// (r96-openapi); docs/openapi.yaml's UpdateConflict, the list a generated
// client's error handling reads, named the parent past its retention only,
// and no replaced child. Each case is decided here by session.ApplyToChild,
// the rule both servers run, and must be named by the description.
func TestOpenAPIUpdateConflictNamesEveryParentClosed(t *testing.T) {
	p := session.DefaultPolicy
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	one := int64(1)
	draft := func() *session.Draft { return &session.Draft{Amount: &one, Currency: "EUR"} }
	family := func(t *testing.T, child session.Policy) (parent, kid *session.Session) {
		parent = session.New(draft(), "m-1", "5a1e3c1e-0000-4000-8000-000000000000", "tok", t0, p)
		kid = session.New(draft(), "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), child)
		if err := session.Adopt(parent, kid, nil, t0.Add(time.Minute), p); err != nil {
			t.Fatal(err)
		}
		return parent, kid
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(2 * time.Minute)
	tests := []struct {
		name, said string
		refused    func(t *testing.T) error // the child's money, as ApplyToChild answers it
	}{
		{"under a closed parent", "whose parent is closed", func(t *testing.T) error {
			parent, kid := family(t, p)
			_, err := parent.Apply(&session.Event{Status: session.Failed}, at, p)
			must(t, err)
			_, _, err = session.ApplyToChild(kid, parent, &session.Event{Status: session.Authorised}, at.Add(time.Second), p)
			return err
		}},
		{"in the band before the parent's retention ends, the parent still there", "whose parent is past its retention or within `WRITE_GUARD` of it", func(t *testing.T) error {
			parent, kid := family(t, p)
			_, _, err := session.ApplyToChild(kid, parent, &session.Event{Status: session.Authorised}, at, p)
			must(t, err)
			_, err = parent.Apply(&session.Event{Status: session.Settled}, at.Add(time.Minute), p) // its own processor
			must(t, err)
			must(t, kid.Cancel("", at.Add(2*time.Minute), p)) // the child retained beyond its parent
			now := parent.RetainUntil.Add(-p.WriteGuard / 2)
			if !now.Before(parent.PurgeAt(p)) {
				t.Fatalf("parent gone at %s; want it still there", now)
			}
			_, _, err = session.ApplyToChild(kid, parent, &session.Event{Status: session.Authorised}, now, p)
			return err
		}},
		{"a child its parent has replaced", "or on a child its parent has replaced", func(t *testing.T) error {
			short := p
			short.Expiry, short.WriteGuard = 10*time.Minute, time.Second
			parent, old := family(t, short)
			now := old.ExpiresAt.Add(-3 * time.Second) // in the old child's band by p, not by short
			next := session.New(draft(), "m-1", "5a1e3c1e-0000-4000-8000-000000000002", "tok", now, p)
			must(t, session.Adopt(parent, next, old, now, p))
			_, _, err := session.ApplyToChild(old, parent, &session.Event{Status: session.Authorised}, now, short)
			return err
		}},
	}
	doc := loadSpec(t)
	said := strings.Join(strings.Fields(*doc.Components.Responses["UpdateConflict"].Value.Description), " ")
	for _, tt := range tests {
		err := tt.refused(t)
		if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != session.ReasonParentClosed {
			t.Errorf("%s: %v; want 409 %s", tt.name, err, session.ReasonParentClosed)
		}
		if !strings.Contains(said, tt.said) {
			t.Errorf("%s: UpdateConflict's description does not name it: no %q", tt.name, tt.said)
		}
	}
}

// TestOpenAPIRetentionBandWaitsNameTheFinalStatuses: README, Lifecycle:
// "Another merchant's cancel, one of an unknown session, and one of a
// `FAILED`, `CANCELED` or `EXPIRED` session in its retention's band are
// answered at once", and an event's wait there holds "unless the session
// is `FAILED`, `CANCELED` or `EXPIRED`, which no transition leaves and no
// write still on its way can change: answered at once"
// (TestFinalSessionInRetentionBandAnswersAtOnce in shared/store holds the
// rule). Both local servers answered an event with an eventId and a
// cancel sent 3 s before retainUntil (5 s band) 404 within 0.01-0.18 s
// on FAILED, CANCELED and EXPIRED sessions and after 3.03-3.11 s on
// AUTHORISED and SETTLED ones (r96-openapi, 20 requests). docs/openapi.yaml
// said every event was held, and excepted only FAILED and CANCELED from a
// cancel's wait: a generated client's timeout would be set for a wait that
// does not come, and an EXPIRED session's cancel was promised one.
func TestOpenAPIRetentionBandWaitsNameTheFinalStatuses(t *testing.T) {
	const readme = "one of a `FAILED`, `CANCELED` or `EXPIRED` session in its retention's band are answered at once"
	if !strings.Contains(doctext.README(t), readme) {
		t.Fatalf("README no longer says %q: read it again before this test", readme)
	}
	doc := loadSpec(t)
	for _, op := range []struct{ path, method string }{
		{"/sessions/{sessionId}/events", "POST"},
		{"/sessions/{sessionId}/cancel", "POST"},
	} {
		said := strings.Join(strings.Fields(doc.Paths.Find(op.path).GetOperation(op.method).Description), " ")
		if want := "at once for a `FAILED`, `CANCELED` or `EXPIRED` session"; !strings.Contains(said, want) {
			t.Errorf("%s %s: its description does not say %q", op.method, op.path, want)
		}
	}
}

// TestOpenAPINamesGosOwnAnswers: docs/design.md §6, "nor do the local
// servers' answers to a request HTTP does not allow, Go's own plain text (a
// control character in a header or the request line, a `%` in the path not
// followed by two hex digits, a missing `Host`, two different
// `Content-Length`s: 400; an `Expect` other than `100-continue`: 417; a
// `Transfer-Encoding` other than `chunked` alone: 501)"; README, "on the
// local servers, Go's own plain-text 400, 417 and 501". Both local servers
// answer so, before any route; docs/openapi.yaml's list of the answers
// that never reach the service, which tells a client to read a JSON 4xx
// or 5xx without a code as API Gateway's, named none of them, and none is
// JSON.
func TestOpenAPINamesGosOwnAnswers(t *testing.T) {
	diff := apitarget.NewDiff()
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		host := strings.TrimPrefix(tg.URL, "http://")
		for _, tt := range []struct {
			name, method, req string
			status            int
		}{
			{"a bad escape in the path", "GET", "GET /sessions/%zz HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", http.StatusBadRequest},
			{"a control character in a header", "GET", "GET /sessions/x HTTP/1.1\r\nHost: " + host + "\r\nX-A: a\x01b\r\nConnection: close\r\n\r\n", http.StatusBadRequest},
			{"an Expect other than 100-continue", "POST", "POST /sessions HTTP/1.1\r\nHost: " + host + "\r\nExpect: x-foo\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", http.StatusExpectationFailed},
			{"a Transfer-Encoding other than chunked alone", "POST", "POST /sessions HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", http.StatusNotImplemented},
		} {
			res, raw := rawRoundTrip(t, tg.URL, tt.method, tt.req)
			diff.Add(k, tt.name, res.StatusCode, nil, nil)
			if res.StatusCode != tt.status || strings.HasPrefix(res.Header.Get("Content-Type"), "application/") || res.Header.Get("X-Request-Id") != "" {
				t.Errorf("%s: %d %q %s (X-Request-Id %q); want %d, not JSON, none of the service's headers", tt.name, res.StatusCode, res.Header.Get("Content-Type"), raw, res.Header.Get("X-Request-Id"), tt.status)
			}
		}
	})
	diff.Check(t)
	desc := doctext.File(t, "docs/openapi.yaml")
	if want := "Go's own plain-text answers: 400 (a control character in a header or the request line, a `%` in the path not followed by two hex digits, a missing `Host`, two different `Content-Length`s), 417 (an `Expect` other than `100-continue`) and 501 (a `Transfer-Encoding` other than `chunked` alone)"; !strings.Contains(desc, want) {
		t.Errorf("docs/openapi.yaml does not name Go's own answers on the local servers: no %q", want)
	}
}

// TestOpenAPIIdempotencyKeyNamesTheCardRule: README, "Idempotency-Key: 1
// to 255 characters of `A-Z a-z 0-9 - _ . :`, and no card number in any
// written form the card rule reads (`4111.1111.1111.1111` is 400"; both
// local servers answer such a key 400 CARD_NUMBER_REFUSED naming
// Idempotency-Key. The parameter's pattern admits it (digits and dots),
// and its description said only "1 to 255 of `A-Z a-z 0-9 - _ . :`,
// once": a client that checks a key against the document sends it and
// gets the 400. Each key below is sent on both servers; the description
// must name the rule.
func TestOpenAPIIdempotencyKeyNamesTheCardRule(t *testing.T) {
	doc := loadSpec(t)
	param := doc.Components.Parameters["IdempotencyKey"].Value
	pattern := regexp.MustCompile(param.Schema.Value.Pattern)
	diff := apitarget.NewDiff("hcpToken", "id", "createdAt", "updatedAt", "expiresAt", "requestId")
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		for _, tt := range []struct {
			key, code string // code: "" for 201
		}{
			{"order-4111", ""},
			{"4111111111111111", "CARD_NUMBER_REFUSED"},
			{"4111.1111.1111.1111", "CARD_NUMBER_REFUSED"},
			{"4111-1111-1111-1111", "CARD_NUMBER_REFUSED"},
		} {
			if !pattern.MatchString(tt.key) {
				t.Fatalf("%q: outside the parameter's pattern; want a key the pattern admits", tt.key)
			}
			req, err := http.NewRequest("POST", tg.URL+"/sessions", strings.NewReader(`{"amount":1,"currency":"EUR"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", tt.key)
			res, raw := roundTrip(t, tt.key, req)
			diff.Add(k, tt.key, res.StatusCode, nil, nil)
			var body any
			_ = json.Unmarshal(raw, &body)
			want := http.StatusCreated
			if tt.code != "" {
				want = http.StatusBadRequest
			}
			if res.StatusCode != want || errorCode(body) != tt.code {
				t.Errorf("Idempotency-Key %q: %d %s; want %d %q", tt.key, res.StatusCode, raw, want, tt.code)
			}
		}
	})
	diff.Check(t)
	said := strings.Join(strings.Fields(param.Description), " ")
	if want := "and no card number (400 `CARD_NUMBER_REFUSED`)"; !strings.Contains(said, want) {
		t.Errorf("the Idempotency-Key parameter's description does not say %q", want)
	}
}

// TestOpenAPISaysWhichCredentialsAnOperationJudges: README, Auth: "On an
// endpoint that takes both kinds, a request with a bearer token is judged
// by the token (a bad token is 401 even beside a good key), ... an
// `Authorization` header that holds no bearer token (another scheme,
// `Basic ...`, or `Bearer` alone) is 401 even beside a good key ... An
// endpoint that takes one kind ignores the other." docs/openapi.yaml's
// bearer scheme said, for every operation, "A request with a bearer token
// is judged by the token, even if it also has an API key": read so,
// document 002, which takes only X-Api-Key, would refuse a good key beside
// a stale token, and both local servers answer it 200.
func TestOpenAPISaysWhichCredentialsAnOperationJudges(t *testing.T) {
	diff := apitarget.NewDiff()
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		c := client{t, tg.URL, tok}
		id := c.create(`{"amount":1,"currency":"EUR"}`)
		code, made := c.call("POST", "/api-keys", `{"scopes":["sessions:read"]}`)
		if code != http.StatusCreated {
			t.Fatalf("POST /api-keys = %d %v", code, made)
		}
		key := made["key"].(string)
		for _, tt := range []struct {
			name, path, auth, key string
			status                int
		}{
			{"both kinds, a bad token beside a good key", "/sessions/" + id, "Bearer not-a-token", key, http.StatusUnauthorized},
			{"both kinds, another scheme beside a good key", "/sessions/" + id, "Basic eDp5", key, http.StatusUnauthorized},
			{"both kinds, a good key alone", "/sessions/" + id, "", key, http.StatusOK},
			{"key only (002), a bad token beside a good key", "/payment-sessions/" + id, "Bearer not-a-token", key, http.StatusOK},
			{"key only (002), another scheme beside a good key", "/payment-sessions/" + id, "Basic eDp5", key, http.StatusOK},
			{"bearer only (004), a bad key beside a good token", "/pps/api/v1/session-record/" + id, "Bearer " + tok, "psk_not-a-key", http.StatusOK},
		} {
			req, err := http.NewRequest("GET", tg.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			req.Header.Set("X-Api-Key", tt.key)
			res, raw := roundTrip(t, tt.name, req)
			diff.Add(k, tt.name, res.StatusCode, nil, nil)
			if res.StatusCode != tt.status {
				t.Errorf("%s: %d %s; want %d", tt.name, res.StatusCode, raw, tt.status)
			}
		}
	})
	diff.Check(t)
	doc := loadSpec(t)
	said := strings.Join(strings.Fields(doc.Components.SecuritySchemes["bearerAuth"].Value.Description), " ")
	for _, want := range []string{
		"On an operation that takes both kinds, a request with a bearer token is judged by the token (a bad one is 401 even beside a good key)",
		"an operation that takes one kind ignores the other",
	} {
		if !strings.Contains(said, want) {
			t.Errorf("the bearer scheme's description does not say %q", want)
		}
	}
}
