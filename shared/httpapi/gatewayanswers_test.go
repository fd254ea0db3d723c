package httpapi_test

import (
	"bufio"
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestGatewayHeadSizeCountsWhatTheQuotaWords holds GatewayHeadSize to
// README's reading of HTTP APIs' quota, under -short (cmd/localapi's
// TestRequestHeadOverAPIGatewaysQuotaIs431 sends whole heads to the servers,
// but needs DynamoDB Local): README, "the request line as sent without its
// line end (method, space, path and query, space, `HTTP/1.1`), plus every
// header's value as sent (`Host`'s and `Authorization`'s included) without
// the white space around it; header names, colons and line ends are not
// counted. So 10,240 bytes pass and 10,241 do not". Each head is parsed as
// Go's server parses it (http.ReadRequest), which moves Host and
// Transfer-Encoding out of the header map.
func TestGatewayHeadSizeCountsWhatTheQuotaWords(t *testing.T) {
	// README, "A request whose request line and header values add up to
	// more than 10,240 bytes is refused before its body is read or any
	// function runs"
	if got, want := httpapi.MaxGatewayHead, 10240; got != want {
		t.Errorf("MaxGatewayHead: got %v; want %v", got, want)
	}
	const line = "GET /sessions?limit=5 HTTP/1.1" // 30 bytes
	for _, tt := range []struct {
		name   string
		fields []string // name, value as sent (white space around it not counted)
		want   int
	}{
		{"request line and Host", []string{"Host", "a.example"}, 30 + 9},
		{"values without their white space", []string{"Host", " \ta.example\t ", "Authorization", "  Bearer x  "}, 30 + 9 + 8},
		{"a field sent twice counts twice", []string{"Host", "h", "X-A", "12", "X-A", "345"}, 30 + 1 + 2 + 3},
		{"Transfer-Encoding's value", []string{"Host", "h", "Transfer-Encoding", "chunked"}, 30 + 1 + 7},
		{"empty values", []string{"Host", "", "X-Empty", ""}, 30},
	} {
		var b strings.Builder
		b.WriteString(line + "\r\n")
		for i := 0; i+1 < len(tt.fields); i += 2 {
			b.WriteString(tt.fields[i] + ":" + tt.fields[i+1] + "\r\n")
		}
		b.WriteString("\r\n0\r\n\r\n") // a chunked body's end, read by no row but Transfer-Encoding's
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := httpapi.GatewayHeadSize(r); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
	// At the quota and one byte over, the padding in a header's value.
	for _, n := range []int{httpapi.MaxGatewayHead, httpapi.MaxGatewayHead + 1} {
		head := line + "\r\nHost: h\r\nX-Pad: " + strings.Repeat("p", n-30-1) + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
		if err != nil {
			t.Fatal(err)
		}
		if got := httpapi.GatewayHeadSize(r); got != n {
			t.Errorf("head of %d counted bytes: got %v; want %v", n, got, n)
		}
		if got, want := httpapi.GatewayHeadSize(r) > httpapi.MaxGatewayHead, n > 10240; got != want {
			t.Errorf("head of %d counted bytes over the quota: got %v; want %v", n, got, want)
		}
	}
}

// TestGatewayAnswerInTheServiceLineShape: an answer a local server gives in
// API Gateway's stead is API Gateway's, not the service's (docs/design.md
// §6, "API Gateway's own 404 for an unmatched path and its own 400s, §2,
// are not the service's and carry none of them"), and still has its line,
// README: "has its request log line too, in the same shape: a request
// id", no route, "the status and latency". Its 404 line carries the code the
// router's own 404 line carries (TestLogLineLatencyRunsFromTheHead); an
// answer given without an error, none.
func TestGatewayAnswerInTheServiceLineShape(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		err    error
		code   string
	}{
		{"404 of a path no route takes", http.StatusNotFound, httpapi.GatewayNotFound, httpapi.GatewayNotFoundError(), session.ReasonNotFound},
		{"431 of a head over the quota", http.StatusRequestHeaderFieldsTooLarge, httpapi.GatewayHeaderTooLarge, nil, ""},
	} {
		var logs bytes.Buffer
		h := httpapi.Middleware(slog.New(slog.NewJSONHandler(&logs, nil)), func(*http.Request) string { return "req-1" },
			httpapi.GatewayAnswer(tt.status, tt.body, tt.err))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/nowhere", nil))
		if w.Code != tt.status || w.Body.String() != tt.body || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: got %d %q (%s); want %d %q (application/json)", tt.name, w.Code, w.Body, w.Header().Get("Content-Type"), tt.status, tt.body)
		}
		for _, k := range []string{"Cache-Control", "X-Content-Type-Options", "Strict-Transport-Security", "X-Request-Id"} {
			if v := w.Header().Get(k); v != "" {
				t.Errorf("%s: %s got %q; want none", tt.name, k, v)
			}
		}
		lines := logLines(t, logs.String())
		if len(lines) != 1 {
			t.Fatalf("%s: log lines: got %d; want 1", tt.name, len(lines))
		}
		for k, want := range map[string]any{"route": "", "status": float64(tt.status), "request_id": "req-1"} {
			if got := lines[0][k]; got != want {
				t.Errorf("%s: line's %s: got %v; want %v", tt.name, k, got, want)
			}
		}
		if got, _ := lines[0]["code"].(string); got != tt.code {
			t.Errorf("%s: line's code: got %q; want %q", tt.name, got, tt.code)
		}
	}
}
