package samlocal

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// TestEventForwardedHeaders: newEvent's doc: "API Gateway adds
// x-forwarded-for (the client's address appended), x-forwarded-port,
// x-forwarded-proto and an x-amzn-trace-id". A client's own
// X-Forwarded-For keeps its entries, the address the request came from
// after them; a Host without a port was sent to http's default port, 80
// (x-forwarded-proto is "http"); and an event's content-length is the body's
// length, "0" for a request without a body, a GET included: API Gateway
// sends it so (aws-lambda-go's events/testdata/apigw-v2-request-no-authorizer.json,
// a curl GET with no Content-Length, has "content-length": "0", as the GET
// samples in events/ have).
func TestEventForwardedHeaders(t *testing.T) {
	for _, tt := range []struct {
		name, method, host, xff, contentLength string
		body                                   []byte
		want                                   map[string]string // "" for absent
	}{
		{"a client's X-Forwarded-For, then its address", "GET", "api.example:3000", "198.51.100.7", "", nil,
			map[string]string{"x-forwarded-for": "198.51.100.7, 203.0.113.10", "x-forwarded-port": "3000", "content-length": "0"}},
		{"a GET without a body or Content-Length: 0", "GET", "api.example:3000", "", "", nil,
			map[string]string{"content-length": "0"}},
		{"no X-Forwarded-For: the address alone", "GET", "api.example:3000", "", "", nil,
			map[string]string{"x-forwarded-for": "203.0.113.10"}},
		{"a Host without a port: http's 80", "GET", "api.example", "", "", nil,
			map[string]string{"x-forwarded-port": "80", "x-forwarded-proto": "http"}},
		{"Content-Length: 0 is kept", "POST", "api.example:3000", "", "0", []byte{},
			map[string]string{"content-length": "0"}},
		{"a body's length", "POST", "api.example:3000", "", "2", []byte("{}"),
			map[string]string{"content-length": "2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://"+tt.host+"/sessions", bytes.NewReader(tt.body))
			r.Host = tt.host
			r.RemoteAddr = "203.0.113.10:54321"
			r.Header.Set("Content-Type", "application/json")
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.contentLength != "" {
				r.Header.Set("Content-Length", tt.contentLength)
			}
			ev := eventFor(t, r, tt.body, "ANY /sessions")
			for name, want := range tt.want {
				if got := ev.Headers[name]; got != want {
					t.Errorf("headers.%s = %q; want %q", name, got, want)
				}
			}
		})
	}
}
