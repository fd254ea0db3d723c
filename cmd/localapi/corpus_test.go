package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/racemode"
)

// TestCorpusPerRouteAnswersAsOnAWS sends one broad corpus of requests to
// every route of docs/design.md §2, on the local server and on make
// start-api's stack, and wants every answer of the one to be the other's
// (apitarget.Diff), none of them a 5xx: good and bad credentials, path ids
// in hostile forms, query strings with repeated and empty names and
// values, %-escapes and '+', bodies with hostile bytes and near 64 KiB,
// HEAD and unknown methods, header names in odd case and sent twice, and
// Accept-Encoding variants on document 004's list. Each request is sent as
// written (no redirect followed); what it must answer is the stack's
// answer, AWS's behaviour as emulated. Its concurrency (the kinds at once
// into one Diff, the local server and the stack's gateway in this process)
// is checked under the detector by TestOpenAPIFaultsAtOnce.
func TestCorpusPerRouteAnswersAsOnAWS(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	diff := apitarget.NewDiff("hcpToken", "paymentCode")
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{})
		tok := mint(t, tg.URL, "merchant_id=m-1")
		c := client{t, tg.URL, tok}
		id := c.create(`{"amount":1,"currency":"EUR"}`)
		code, kr := c.call("POST", "/api-keys", `{"scopes":["sessions:read","sessions:write"]}`)
		if code != 201 {
			t.Fatalf("create key = %d %v", code, kr)
		}
		key, keyID := kr["key"].(string), kr["keyId"].(string)
		day := time.Now().UTC().Format(time.DateOnly)

		type req struct {
			name, method, path, body string
			header                   http.Header
		}
		var corpus []req
		add := func(name, method, path, body string, h http.Header) {
			corpus = append(corpus, req{name, method, path, body, h})
		}
		m1 := func(h http.Header) http.Header { h.Add("X-Merchant-Id", "m-1"); return h }

		// The GET routes naming a session, with their credentials.
		type getRoute struct {
			name   string
			path   func(id string) string
			header func() http.Header
		}
		gets := []getRoute{
			{"000", func(id string) string { return "/v1/session/" + id }, func() http.Header { return bearer(tok) }},
			{"001", func(id string) string { return "/v2.0/payments/" + id + "/status" }, func() http.Header { return bearer(tok) }},
			{"002", func(id string) string { return "/payment-sessions/" + id }, func() http.Header { return apiKey(key) }},
			{"003", func(id string) string { return "/v1/checkout-sessions/" + id }, func() http.Header { return m1(bearer(tok)) }},
			{"004 record", func(id string) string { return "/pps/api/v1/session-record/" + id }, func() http.Header { return bearer(tok) }},
			{"native", func(id string) string { return "/sessions/" + id }, func() http.Header { return bearer(tok) }},
		}
		ids := map[string]string{
			"upper-case":             strings.ToUpper(id),
			"braces":                 "{" + id + "}",
			"encoded braces":         "%7B" + id + "%7D",
			"no dashes":              strings.ReplaceAll(id, "-", ""),
			"plus":                   id + "+",
			"encoded plus":           id + "%2B",
			"encoded NUL":            id + "%00",
			"encoded overlong slash": id[:8] + "%C0%AF" + id[9:],
			"encoded NBSP":           "%C2%A0" + id,
			"encoded zero-width":     "%E2%80%8B" + id,
			"encoded DEL":            id + "%7F",
			"semicolon":              id + ";x=1",
			"encoded semicolon":      id + "%3Bx",
			"encoded quote":          id + "%22",
			"encoded backslash":      id + "%5C",
			"encoded tab":            id + "%09",
			"encoded newline":        id + "%0A",
			"encoded CR LF":          id + "%0D%0Ax",
			"encoded lone byte":      id + "%FF",
			"twice-encoded id":       strings.ReplaceAll(id, "-", "%252D"),
			"encoded id":             strings.ReplaceAll(id, "-", "%2D"),
			"long":                   strings.Repeat("a", 2000),
			"dots":                   "...",
			"encoded dot-dot":        "%2E%2E",
			"at sign":                id + "@x",
			"colon":                  id + ":x",
			"tilde":                  "~" + id,
			"comma":                  id + ",x",
			"asterisk":               "*",
			"card number":            "4111111111111111",
		}
		for _, g := range gets {
			add(g.name+" good", "GET", g.path(id), "", g.header())
			add(g.name+" HEAD", "HEAD", g.path(id), "", g.header())
			add(g.name+" unknown method", "PROPFIND", g.path(id), "", g.header())
			add(g.name+" lower-case unknown method", "propfind", g.path(id), "", g.header())
			add(g.name+" no credentials", "GET", g.path(id), "", m1(http.Header{}))
			add(g.name+" garbage bearer", "GET", g.path(id), "", m1(bearer("x.y.z")))
			add(g.name+" garbage key", "GET", g.path(id), "", m1(apiKey("pk_x")))
			add(g.name+" bearer scheme lower-case", "GET", g.path(id), "", m1(hdr("Authorization", "bearer "+tok)))
			add(g.name+" bearer scheme upper-case", "GET", g.path(id), "", m1(hdr("Authorization", "BEARER "+tok)))
			add(g.name+" Authorization twice", "GET", g.path(id), "", m1(hdr("Authorization", "Bearer "+tok, "Authorization", "Bearer "+tok)))
			add(g.name+" X-Api-Key twice", "GET", g.path(id), "", m1(hdr("X-Api-Key", key, "X-Api-Key", key)))
			add(g.name+" both credentials", "GET", g.path(id), "", m1(hdr("Authorization", "Bearer "+tok, "X-Api-Key", key)))
			add(g.name+" unknown id", "GET", g.path("00000000-0000-4000-8000-000000000000"), "", g.header())
			for _, n := range slices.Sorted(maps.Keys(ids)) {
				add(g.name+" id "+n, "GET", g.path(ids[n]), "", g.header())
			}
			for _, q := range []string{"a=1&a=2", "a=", "=x", "&&", "a=%zz", "a+b=c+d", "%61=%62", "init=true&init=false", "init=TRUE", "init=", "init", "init=%74rue", "init=true+", "init=true%00", "init=+true", "init=1", "x=" + strings.Repeat("q", 4000)} {
				add(g.name+" query "+q[:min(len(q), 40)], "GET", g.path(id)+"?"+q, "", g.header())
			}
			for _, hv := range [][]string{
				{"x-merchant-id", "m-1"}, {"X-MERCHANT-ID", "m-1"}, {"X-Merchant-Id", "M-1"}, {"X-Merchant-Id", " m-1 "},
				{"Cookie", "a=1; b=2"}, {"Cookie", "session=" + tok}, {"X-Forwarded-For", "10.0.0.1"}, {"Forwarded", "for=10.0.0.1"},
				{"X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000"}, {"Apigw-Requestid", "x"}, {"X-Request-Id", "mine"},
				{"X-Api-Key", ""}, {"Authorization", ""}, {"If-None-Match", "*"}, {"Range", "bytes=0-1"}, {"Expect", "100-continue"},
			} {
				h := g.header()
				if hv[0] == "x-merchant-id" {
					h.Del("X-Merchant-Id")
					h[hv[0]] = []string{hv[1]} // sent in this case
				} else if strings.EqualFold(hv[0], "X-Merchant-Id") {
					h.Del("X-Merchant-Id")
					h[hv[0]] = []string{hv[1]}
				} else {
					h.Add(hv[0], hv[1])
				}
				add(g.name+" header "+hv[0]+": "+hv[1][:min(len(hv[1]), 20)], "GET", g.path(id), "", h)
			}
			h := g.header()
			h.Set("Accept-Encoding", "gzip")
			add(g.name+" Accept-Encoding gzip", "GET", g.path(id), "", h)
			h = g.header()
			h.Set("Accept", "application/xml")
			add(g.name+" Accept xml", "GET", g.path(id), "", h)
		}

		// 004's list.
		list := "/pps/api/v1/session-record"
		for _, q := range []string{
			"createdDate=" + day,
			"createdDate=" + day + "&createdDate=" + day,
			"createdDate=" + day + "&createdDate=",
			"createdDate=",
			"createdDate",
			"",
			"createdDate=" + strings.ReplaceAll(day, "-", "%2D"),
			"createdDate=%32" + day[1:],
			"createdDate=+" + day,
			"createdDate=" + day + "+",
			"createdDate=" + day + "%20",
			"createdDate=" + day + "T00:00:00Z",
			"createdDate=" + day + "&limit=",
			"createdDate=" + day + "&limit=1&limit=2",
			"createdDate=" + day + "&limit=%31",
			"createdDate=" + day + "&limit=+1",
			"createdDate=" + day + "&limit=1+",
			"createdDate=" + day + "&limit=0",
			"createdDate=" + day + "&limit=-1",
			"createdDate=" + day + "&limit=01",
			"createdDate=" + day + "&limit=1e1",
			"createdDate=" + day + "&cursor=",
			"createdDate=" + day + "&cursor=%zz",
			"createdDate=" + day + "&cursor=a+b",
			"createdDate=" + day + "&CREATEDDATE=" + day,
			"CreatedDate=" + day,
			"created%44ate=" + day,
			"createdDate=" + day + "&other=1&other=",
			"createdDate=2026-02-30",
			"createdDate=" + day + "&limit=1&cursor=x&cursor=y",
		} {
			add("004 list query "+q, "GET", list+"?"+q, "", bearer(tok))
		}
		for _, enc := range []string{"gzip", "GZIP", "x-gzip", "*", "gzip;q=0", "gzip;q=0.5, identity;q=1", "br, gzip", "identity;q=0", "gzip;q=0, *", "gzip, gzip;q=0", "deflate", "gzip;q=1.0", "gzip ; q=0.001", "gzip;q=abc", ""} {
			h := bearer(tok, "Accept-Encoding", enc)
			add("004 list Accept-Encoding "+enc, "GET", list+"?createdDate="+day, "", h)
			add("004 list paged Accept-Encoding "+enc, "GET", list+"?createdDate="+day+"&limit=1", "", h.Clone())
		}
		add("004 list Accept-Encoding twice", "GET", list+"?createdDate="+day, "", bearer(tok, "Accept-Encoding", "gzip;q=0", "Accept-Encoding", "gzip"))
		add("004 list Accept-Encoding twice, identity refused", "GET", list+"?createdDate="+day, "", bearer(tok, "Accept-Encoding", "identity;q=0", "Accept-Encoding", "br"))
		add("004 list accept-encoding lower-case", "GET", list+"?createdDate="+day, "", http.Header{"authorization": {"Bearer " + tok}, "accept-encoding": {"gzip"}})
		add("004 list HEAD", "HEAD", list+"?createdDate="+day, "", bearer(tok))
		add("004 list unknown method", "PATCH", list+"?createdDate="+day, "", bearer(tok))
		add("004 list trailing slash", "GET", list+"/?createdDate="+day, "", bearer(tok))
		add("004 list no credentials", "GET", list+"?createdDate="+day, "", nil)

		// The POST routes, with hostile bodies and headers.
		type postRoute struct {
			name, path, good string
			header           func() http.Header
		}
		posts := []postRoute{
			{"create", "/sessions", `{"amount":1,"currency":"EUR"}`, func() http.Header { return bearer(tok, "Content-Type", "application/json") }},
			{"create by key", "/sessions", `{"amount":1,"currency":"EUR"}`, func() http.Header { return apiKey(key, "Content-Type", "application/json") }},
			{"event", "/sessions/" + id + "/events", `{"status":"PENDING"}`, func() http.Header { return bearer(tok, "Content-Type", "application/json") }},
			{"cancel", "/sessions/" + id + "/cancel", `{"reason":"x"}`, func() http.Header { return bearer(tok, "Content-Type", "application/json") }},
			{"api key", "/api-keys", `{"scopes":["sessions:read"]}`, func() http.Header { return bearer(tok, "Content-Type", "application/json") }},
		}
		bodies := map[string]string{
			"empty":                   "",
			"null":                    "null",
			"array":                   "[]",
			"string":                  `"x"`,
			"NUL":                     "\x00",
			"NUL inside":              strings.Replace(`{"amount":1,"currency":"EUR"}`, ",", ",\x00", 1),
			"invalid UTF-8":           "{\"currency\":\"\xff\xfe\"}",
			"BOM":                     "\xef\xbb\xbf{}",
			"UTF-16":                  "\xff\xfe{\x00}\x00",
			"trailing garbage":        "{} x",
			"two objects":             "{}{}",
			"escaped NUL":             `{"reason":"\u0000"}`,
			"lone surrogate":          `{"reason":"\ud800"}`,
			"CR LF":                   "{\r\n}\r\n",
			"deep":                    strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
			"card":                    `{"reason":"4111111111111111"}`,
			"64 KiB exactly":          padJSON(httpapi.MaxBodyBytes, " "),
			"64 KiB minus one":        padJSON(httpapi.MaxBodyBytes-1, " "),
			"64 KiB plus one":         padJSON(httpapi.MaxBodyBytes+1, " "),
			"64 KiB of é, one cut":    padJSON(httpapi.MaxBodyBytes, "é")[:httpapi.MaxBodyBytes-1] + `"}`,
			"128 KiB":                 padJSON(2*httpapi.MaxBodyBytes, " "),
			"1 MiB":                   padJSON(1<<20, "x"),
			"64 KiB of invalid UTF-8": strings.Repeat("\xff", httpapi.MaxBodyBytes+1),
		}
		for _, p := range posts {
			add(p.name+" good shape, no credentials", "POST", p.path, `{}`, hdr("Content-Type", "application/json"))
			add(p.name+" garbage bearer", "POST", p.path, p.good, bearer("x.y.z", "Content-Type", "application/json"))
			add(p.name+" HEAD", "HEAD", p.path, "", p.header())
			add(p.name+" GET", "GET", p.path, "", p.header())
			add(p.name+" unknown method", "MKCOL", p.path, p.good, p.header())
			add(p.name+" query", "POST", p.path+"?a=1&a=&%zz", `{"x":`, p.header())
			h0 := p.header()
			h0.Set("Content-Type", "application/json")
			add(p.name+" Content-Length 0", "POST", p.path, "", h0)
			for _, n := range slices.Sorted(maps.Keys(bodies)) {
				add(p.name+" body "+n, "POST", p.path, bodies[n], p.header())
			}
			for _, ct := range []string{"application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=UTF-8", "application/json; charset=latin1", "application/json, text/plain", "application/merge-patch+json", "application/json; boundary=x", "text/json", "application/octet-stream", " application/json", "application/json ", "application/json;", "application/x-www-form-urlencoded"} {
				h := p.header()
				h.Set("Content-Type", ct)
				add(p.name+" Content-Type "+ct, "POST", p.path, `{"x":`, h)
			}
			h := p.header()
			h.Add("Content-Type", "application/json")
			add(p.name+" Content-Type twice", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Del("Content-Type")
			add(p.name+" no Content-Type", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Set("Content-Encoding", "identity, identity")
			add(p.name+" Content-Encoding identity twice", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Add("Content-Encoding", "identity")
			h.Add("Content-Encoding", "identity")
			add(p.name+" Content-Encoding identity as two headers", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Set("Idempotency-Key", "a,b")
			add(p.name+" Idempotency-Key with a comma", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Add("Idempotency-Key", "a")
			h.Add("Idempotency-Key", "a")
			add(p.name+" Idempotency-Key twice", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Set("Idempotency-Key", "")
			add(p.name+" Idempotency-Key empty", "POST", p.path, `{"x":`, h)
			h = p.header()
			h.Set("Idempotency-Key", " k ")
			add(p.name+" Idempotency-Key padded", "POST", p.path, `{"x":`, h)
		}

		// DELETE /api-keys/{keyId}.
		kids := map[string]string{
			"unknown": "0123456789abcdef", "upper-case": strings.ToUpper(keyID), "plus": keyID + "+", "encoded NUL": keyID + "%00",
			"encoded slash": keyID[:8] + "%2F" + keyID[8:], "long": strings.Repeat("a", 3000), "twice-encoded": "%2530123456789abcdef",
		}
		for _, n := range slices.Sorted(maps.Keys(kids)) {
			add("revoke "+n, "DELETE", "/api-keys/"+kids[n], "", bearer(tok))
		}
		add("revoke HEAD", "HEAD", "/api-keys/0123456789abcdef", "", bearer(tok))
		add("revoke unknown method", "PURGE", "/api-keys/0123456789abcdef", "", bearer(tok))
		add("revoke with a body", "DELETE", "/api-keys/0123456789abcdef", `{"x":1}`, bearer(tok, "Content-Type", "application/json"))
		add("revoke with a gzip body", "DELETE", "/api-keys/0123456789abcdef", `{"x":1}`, bearer(tok, "Content-Encoding", "gzip"))
		add("revoke by key", "DELETE", "/api-keys/0123456789abcdef", "", apiKey(key))
		// Last, as it ends the key. The key is not used after it: a revoked
		// key works on in another function's container for up to 30 s (its
		// cache), on AWS and on the stack, but not on make run, whose one
		// process revokes it at once (README, "API keys").
		add("revoke the key itself", "DELETE", "/api-keys/"+keyID, "", bearer(tok))

		for _, r := range corpus {
			var body io.Reader
			if r.body != "" {
				body = strings.NewReader(r.body)
			}
			hreq, err := http.NewRequest(r.method, tg.URL+r.path, body)
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			if r.header != nil {
				hreq.Header = r.header.Clone()
			}
			res, raw := roundTrip(t, r.name, hreq)
			if res.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Errorf("%s: gzip body: %v", r.name, err)
				} else if raw, err = io.ReadAll(zr); err != nil {
					t.Errorf("%s: gzip body: %v", r.name, err)
				}
			}
			diff.Add(k, r.name, res.StatusCode, res.Header, raw)
			if res.StatusCode >= 500 {
				t.Errorf("%s: %s %s = %d %s; want no 5xx", r.name, r.method, r.path, res.StatusCode, raw)
			}
		}
		t.Logf("%d requests", len(corpus))
	})
	t.Logf("%d answers compared between the targets", diff.Check(t))
}

// padJSON is a body of exactly n bytes (n of pad's bytes fill it): a JSON
// object whose reason member is padding.
func padJSON(n int, pad string) string {
	const head, tail = `{"amount":1,"currency":"EUR","reason":"`, `"}`
	fill := n - len(head) - len(tail)
	s := strings.Repeat(pad, fill/len(pad)+1)
	return head + s[:fill] + tail
}
