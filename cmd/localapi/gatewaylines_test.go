package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/apitarget"
)

// accessLines returns the request lines (msg "request") among logs' JSON
// lines.
func accessLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(logs, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

// TestGatewayAnswersHaveTheirAccessLine: every answer the local server
// gives in API Gateway's stead (the 431 of a head over HTTP APIs' quota,
// the 400 of a body whose chunked framing is broken or of a path whose
// second decoding fails, the 404 of a path whose two decodings name
// different routes) has its one access line, as every other request does
// (README: "has its request log line too, in the same shape"; the team's
// code standard asks for one line per request), in the same shape: a
// request id, the method and path as every line logs them, no route, the
// status and the latency. The 431's line
// holds nothing of the oversized head's header values. Before, these
// answers were written outside the middleware and logged nothing (make
// start-api's access log has a line for each).
func TestGatewayAnswersHaveTheirAccessLine(t *testing.T) {
	tg := apitarget.Start(t, apitarget.Local, apitarget.Options{})
	host := strings.TrimPrefix(tg.URL, "http://")
	tok := mint(t, tg.URL, "merchant_id=m-1")
	id := client{t, tg.URL, tok}.create(`{"amount":1,"currency":"EUR"}`)
	const marker = "HEADVALUEMARKER"
	head := func(method, target string, fields ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nAuthorization: Bearer %s\r\n", method, target, host, tok)
		for i := 0; i+1 < len(fields); i += 2 {
			fmt.Fprintf(&b, "%s: %s\r\n", fields[i], fields[i+1])
		}
		b.WriteString("\r\n")
		return b.String()
	}
	tests := []struct {
		name, method, req string
		status            int
		path, code        string
	}{
		{"head over the quota", "GET", head("GET", "/sessions/"+id, "X-Pad", marker+strings.Repeat("a", 10240)), 431, "/sessions/" + id, ""},
		{"chunked framing broken", "POST", head("POST", "/sessions", "Content-Type", "application/json", "Transfer-Encoding", "chunked") + "zz\r\n{}\r\n0\r\n\r\n", 400, "/sessions", ""},
		{"second decoding fails", "GET", head("GET", "/sessions/%25"), 400, "/sessions/%", ""},
		{"decodings name different routes", "GET", head("GET", "/%2573essions/"+id), 404, "/%73essions/" + id, "NOT_FOUND"},
	}
	for _, tt := range tests {
		before := len(accessLines(t, tg.Logs()))
		res, raw := rawRoundTrip(t, tg.URL, tt.method, tt.req)
		if res.StatusCode != tt.status {
			t.Fatalf("%s: got %d %s; want %d", tt.name, res.StatusCode, raw, tt.status)
		}
		lines := accessLines(t, tg.Logs())[before:]
		if len(lines) != 1 {
			t.Errorf("%s: got %d access lines %v; want 1", tt.name, len(lines), lines)
			continue
		}
		l := lines[0]
		for k, want := range map[string]any{"level": "INFO", "method": tt.method, "route": "", "path": tt.path, "status": float64(tt.status)} {
			if got := l[k]; got != want {
				t.Errorf("%s: %s got %v; want %v", tt.name, k, got, want)
			}
		}
		if code, _ := l["code"].(string); code != tt.code {
			t.Errorf("%s: code got %q; want %q", tt.name, code, tt.code)
		}
		if rid, _ := l["request_id"].(string); rid == "" {
			t.Errorf("%s: request_id got %v; want one", tt.name, l["request_id"])
		}
		if _, ok := l["latency_ms"].(float64); !ok {
			t.Errorf("%s: latency_ms got %v; want a number", tt.name, l["latency_ms"])
		}
	}
	logs := tg.Logs()
	for _, secret := range []string{marker, tok} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %.20s...; want nothing of a request's header values", secret)
		}
	}
}

// TestMethodNotAllowedLineNamesItsPath: on the local server, as in a
// Lambda, a 405's access line names as its route the path pattern the
// request matched under another method (no route of its own method
// matched, so no method is named), not "" as a path that matches nothing.
func TestMethodNotAllowedLineNamesItsPath(t *testing.T) {
	tg := apitarget.Start(t, apitarget.Local, apitarget.Options{})
	host := strings.TrimPrefix(tg.URL, "http://")
	tok := mint(t, tg.URL, "merchant_id=m-1")
	id := client{t, tg.URL, tok}.create(`{"amount":1,"currency":"EUR"}`)
	tests := []struct{ method, path, route string }{
		{"DELETE", "/sessions/" + id, "/sessions/{sessionId}"},
		{"OPTIONS", "/sessions/" + id, "/sessions/{sessionId}"},
		{"GET", "/sessions/" + id + "/cancel", "/sessions/{sessionId}/cancel"},
		{"PUT", "/sessions", "/sessions"},
		{"POST", "/local/token", "/local/token"},
	}
	for _, tt := range tests {
		before := len(accessLines(t, tg.Logs()))
		req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\n\r\n", tt.method, tt.path, host, tok)
		res, raw := rawRoundTrip(t, tg.URL, tt.method, req)
		if res.StatusCode != 405 {
			t.Fatalf("%s %s: got %d %s; want 405", tt.method, tt.path, res.StatusCode, raw)
		}
		lines := accessLines(t, tg.Logs())[before:]
		if len(lines) != 1 {
			t.Errorf("%s %s: got %d access lines %v; want 1", tt.method, tt.path, len(lines), lines)
			continue
		}
		if got := lines[0]["route"]; got != tt.route {
			t.Errorf("%s %s: route got %v; want %v", tt.method, tt.path, got, tt.route)
		}
	}
}

// TestGoOwnAnswersHaveNoLine: a request Go's net/http refuses before any
// handler (README: "So are a path whose first decoding fails (a `%` not
// followed by two hex digits: `/sessions/%zz`, a bare `%`; a failed second
// decoding is API Gateway's JSON `400` in the errors table) and a head HTTP/1.1
// does not allow (no `Host`, two, or a malformed one), both Go's own
// plain-text `400 Bad Request`, and an `Expect` other than `100-continue`,
// Go's own `417 Expectation Failed`") gets Go's plain-text answer and no
// request line, as the raw control character and the Transfer-Encoding
// other than chunked beside them; a failed second decoding is the local
// server's own answer, in API Gateway's stead, with its one line
// (TestGatewayAnswersHaveTheirAccessLine).
func TestGoOwnAnswersHaveNoLine(t *testing.T) {
	tg := apitarget.Start(t, apitarget.Local, apitarget.Options{})
	host := strings.TrimPrefix(tg.URL, "http://")
	tok := mint(t, tg.URL, "merchant_id=m-1")
	const auth = "Connection: close\r\nAuthorization: Bearer "
	tests := []struct {
		name, method, req string
		status            int
	}{
		{"first decoding fails", "GET", "GET /sessions/%zz HTTP/1.1\r\nHost: " + host + "\r\n" + auth + tok + "\r\n\r\n", 400},
		{"a bare percent", "GET", "GET /sessions/% HTTP/1.1\r\nHost: " + host + "\r\n" + auth + tok + "\r\n\r\n", 400},
		{"no Host", "GET", "GET /sessions/x HTTP/1.1\r\n" + auth + tok + "\r\n\r\n", 400},
		{"two Hosts", "GET", "GET /sessions/x HTTP/1.1\r\nHost: " + host + "\r\nHost: " + host + "\r\n" + auth + tok + "\r\n\r\n", 400},
		{"a malformed Host", "GET", "GET /sessions/x HTTP/1.1\r\nHost: a b\r\n" + auth + tok + "\r\n\r\n", 400},
		{"a raw control character", "GET", "GET /sessions/a\x01b HTTP/1.1\r\nHost: " + host + "\r\n" + auth + tok + "\r\n\r\n", 400},
		{"another expectation", "POST", "POST /sessions HTTP/1.1\r\nHost: " + host + "\r\n" + auth + tok + "\r\nContent-Type: application/json\r\nExpect: foo\r\nContent-Length: 2\r\n\r\n{}", 417},
		{"gzip, chunked", "POST", "POST /sessions HTTP/1.1\r\nHost: " + host + "\r\n" + auth + tok + "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
	}
	for _, tt := range tests {
		before := len(accessLines(t, tg.Logs()))
		res, raw := rawRoundTrip(t, tg.URL, tt.method, tt.req)
		if res.StatusCode != tt.status {
			t.Errorf("%s: got %d %s; want %d", tt.name, res.StatusCode, raw, tt.status)
		}
		if ct := res.Header.Get("Content-Type"); strings.Contains(ct, "json") {
			t.Errorf("%s: Content-Type got %q; want Go's own answer, no JSON", tt.name, ct)
		}
		if lines := accessLines(t, tg.Logs())[before:]; len(lines) != 0 {
			t.Errorf("%s: got %d access lines %v; want none", tt.name, len(lines), lines)
		}
	}
}
