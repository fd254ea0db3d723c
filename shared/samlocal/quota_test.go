package samlocal

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestBodyQuotaIsAtMostTenMB: README: "A body over 10 MB is `413
// {"message":"Request Entity Too Large"}` on any path" (HTTP APIs' payload
// quota, MaxRequestBody). On make start-api's gateway a body of exactly the
// quota is read and routed (a path no route takes: API Gateway's 404); one
// byte more is the 413.
func TestBodyQuotaIsAtMostTenMB(t *testing.T) {
	s := &Stack{Template: &Template{}, router: &router{}, log: io.Discard}
	for _, tt := range []struct {
		n      int
		status int
	}{
		{MaxRequestBody, http.StatusNotFound},
		{MaxRequestBody + 1, http.StatusRequestEntityTooLarge},
	} {
		r := httptest.NewRequest("POST", "/nowhere", bytes.NewReader(make([]byte, tt.n)))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("a body of %d bytes: answer %d; want %d", tt.n, w.Code, tt.status)
		}
	}
}

// TestQuotasAreAWSs holds the gateway's bounds to the numbers README gives
// them. The quota tests above find their edges from the constants
// themselves, so a constant moved by a byte moves its test with it; these
// rows are the numbers. README: "A body over 10 MB is `413 ...`" (HTTP
// APIs' payload quota, read as 10,485,760 bytes); "an event over Lambda's 6
// MiB" (6,291,456, "limit 6291456 bytes"); "one over 6 MiB + 100 bytes
// (6,291,556, Lambda's response quota)"; "past the 30 s integration
// timeout `503 {"message":"Service Unavailable"}`" (HTTP APIs' integration
// timeout, "30 seconds").
func TestQuotasAreAWSs(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want int64
	}{
		{"MaxRequestBody (10 MB)", MaxRequestBody, 10_485_760},
		{"MaxEventSize (6 MiB)", MaxEventSize, 6_291_456},
		{"maxInvokeResponse (6 MiB + 100)", maxInvokeResponse, 6_291_556},
		{"integrationTimeout (30 s)", int64(integrationTimeout), int64(30 * time.Second)},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %v; want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestAnnouncedBodyOverTheQuotaIsAnsweredAtOnce: README: "A body over 10
// MB is `413 {"message":"Request Entity Too Large"}` on any path", and the
// 413 row: "a body over 10 MB on any path and method ... API Gateway's own
// answer (`make start-api` and `make run` too)". A request
// whose Content-Length is over the quota (MaxRequestBody) is over it
// before a byte of its body arrives: make start-api's gateway answers it
// at once, as make run does (localserver's TestLocalBodyQuotaIsAtMostTenMB,
// "a Content-Length a byte over, body never sent"), without waiting for
// the body. Before, it waited the body's bound for a body the client
// never sent and answered 408 {"message":"Request Timeout"}, where make
// run answered 413; and a client that did send it had it read, 10 MB
// and a byte, before the same 413.
func TestAnnouncedBodyOverTheQuotaIsAnsweredAtOnce(t *testing.T) {
	const bound = 30 * time.Second // longer than the test waits
	logs := &syncBuffer{}
	srv := httptest.NewServer(gatewayWithin(bound, logs))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(MaxRequestBody+1) + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v; want %d", err, http.StatusRequestEntityTooLarge)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || string(body) != GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", resp.StatusCode, body, http.StatusRequestEntityTooLarge, GatewayTooLarge)
	}
	if got, want := accessLine(t, logs.String())["status"], "413"; got != want {
		t.Errorf("access line's status got %v; want %v", got, want)
	}
}
