package httpapi_test

import (
	"slices"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestReadsIgnoreConditionalAndRangeHeaders: README, "No conditional or
// range requests": "No answer carries ETag, Last-Modified or
// Accept-Ranges, and every read ... ignores If-None-Match,
// If-Modified-Since, If-Match, If-Unmodified-Since, If-Range and Range: it
// is answered 200 with its whole body, as without them, never 304, 206,
// 412 or 416. ... A HEAD on a read is answered as its GET ... A query
// parameter a read does not name is ignored, not refused, and names are
// case-sensitive".
func TestReadsIgnoreConditionalAndRangeHeaders(t *testing.T) {
	eachStore(t, testReadsIgnoreConditionalAndRangeHeaders)
}

func testReadsIgnoreConditionalAndRangeHeaders(t *testing.T, h *harness) {
	tok := h.token("m-1", auth.ScopeSessionsRead, auth.ScopePaymentRead, auth.ScopeUser)
	key := h.apiKey("m-1", auth.ScopeSessionsRead)
	id := h.create("m-1", nil)
	reads := []struct {
		path, token string
		headers     []string
	}{
		{"/sessions/" + id, tok, nil},
		{"/v1/session/" + id, tok, nil},
		{"/v2.0/payments/" + id + "/status", tok, nil},
		{"/payment-sessions/" + id, "", []string{"X-Api-Key", key}},
		{"/v1/checkout-sessions/" + id, tok, []string{"X-Merchant-Id", "m-1"}},
		{"/v1/checkout-sessions/" + id + "?init=true", tok, []string{"X-Merchant-Id", "m-1"}},
		{"/pps/api/v1/session-record/" + id, tok, nil},
		{"/pps/api/v1/session-record?createdDate=" + t0.Format("2006-01-02"), tok, nil},
	}
	conditional := [][2]string{
		{"If-None-Match", "*"},
		{"If-None-Match", `"x"`},
		{"If-Modified-Since", "Sun, 06 Dec 2099 00:00:00 GMT"},
		{"If-Match", `"nope"`},
		{"If-Unmodified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"},
		{"If-Range", `"x"`},
		{"Range", "bytes=0-5"},
	}
	validators := []string{"ETag", "Last-Modified", "Accept-Ranges", "Content-Range"}
	for _, rd := range reads {
		plain := h.do("GET", rd.path, rd.token, nil, rd.headers...)
		if plain.Code != 200 {
			t.Fatalf("GET %s = %d %s; want 200", rd.path, plain.Code, plain.Body)
		}
		for _, c := range conditional {
			res := h.do("GET", rd.path, rd.token, nil, append(slices.Clone(rd.headers), c[0], c[1])...)
			if res.Code != 200 || res.Body.String() != plain.Body.String() {
				t.Errorf("GET %s with %s: %s = %d %s; want 200 %s", rd.path, c[0], c[1], res.Code, res.Body, plain.Body)
			}
			for _, name := range validators {
				if got := res.Header().Values(name); len(got) != 0 {
					t.Errorf("GET %s with %s: %s: %s header %q; want none", rd.path, c[0], c[1], name, got)
				}
			}
		}
		head := h.do("HEAD", rd.path, rd.token, nil, rd.headers...)
		if head.Code != plain.Code || head.Header().Get("Content-Type") != plain.Header().Get("Content-Type") {
			t.Errorf("HEAD %s = %d %q; want %d %q as its GET", rd.path, head.Code, head.Header().Get("Content-Type"), plain.Code, plain.Header().Get("Content-Type"))
		}
	}
	// A parameter the read does not name is answered as without it.
	for _, q := range []struct {
		path, query string
		headers     []string
	}{
		{"/v1/session/" + id, "?init=maybe", nil},
		{"/v2.0/payments/" + id + "/status", "?init=maybe", nil},
		{"/v1/checkout-sessions/" + id, "?INIT=true", []string{"X-Merchant-Id", "m-1"}},
		{"/v1/checkout-sessions/" + id, "?Init=maybe&x=%zz", []string{"X-Merchant-Id", "m-1"}},
	} {
		plain := h.do("GET", q.path, tok, nil, q.headers...)
		res := h.do("GET", q.path+q.query, tok, nil, q.headers...)
		if plain.Code != 200 || res.Code != 200 || res.Body.String() != plain.Body.String() {
			t.Errorf("GET %s%s = %d %s; want %d %s as without %s", q.path, q.query, res.Code, res.Body, plain.Code, plain.Body, q.query)
		}
	}
}
