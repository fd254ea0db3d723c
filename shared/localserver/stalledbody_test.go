package localserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestAStalledBodyIsAnsweredWithinItsBound: a request that announces a
// body (Content-Length: 100) and stops sending it is answered once the
// body's bound has passed from the end of its head (Options.BodyTimeout,
// 10 s by default, the ReadHeaderTimeout the head has): 408
// {"message":"Request Timeout"} in API Gateway's shape, the connection
// closed, no function reached. Before, make run waited for the body
// without limit (a probe held a connection 10 minutes). A body that
// arrives within the bound is served, however long its function then
// takes, on a connection that stays open for the next request.
func TestAStalledBodyIsAnsweredWithinItsBound(t *testing.T) {
	const bound = 300 * time.Millisecond
	reached := make(chan string, 4)
	srv := httptest.NewServer(servedAsOnMakeRunWithin(t, bound, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reached <- string(b)
		time.Sleep(2 * bound) // a function slower than the body's bound
		w.WriteHeader(http.StatusOK)
	})))
	defer srv.Close()

	tests := []struct {
		name   string
		parts  []string // sent in turn, a pause of bound/3 between them
		status int
		body   string // the answer's; "" for the function's
		closed bool   // the connection closed after the answer
		fn     bool   // the function reached
	}{
		{"a body that never comes", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"}, http.StatusRequestTimeout, httpapi.GatewayRequestTimeout, true, false},
		{"a body cut off part-way", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", `{"amount":`}, http.StatusRequestTimeout, httpapi.GatewayRequestTimeout, true, false},
		{"a chunked body that stalls", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"}, http.StatusRequestTimeout, httpapi.GatewayRequestTimeout, true, false},
		{"a body in two parts within the bound", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{", "}"}, http.StatusOK, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i, p := range tt.parts {
				if i > 0 {
					time.Sleep(bound / 3)
				}
				if _, err := io.WriteString(c, p); err != nil {
					t.Fatal(err)
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * bound))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer within %s: %v; want %d", 10*bound, err, tt.status)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || tt.body != "" && string(b) != tt.body {
				t.Errorf("answer %d %s; want %d %s", resp.StatusCode, b, tt.status, tt.body)
			}
			if got := len(reached) > 0; got != tt.fn {
				t.Errorf("function reached %v; want %v", got, tt.fn)
			}
			for len(reached) > 0 {
				<-reached
			}
			if tt.closed {
				if n, err := br.Read(make([]byte, 1)); err != io.EOF {
					t.Errorf("after the answer: read %d bytes, %v; want %v (the connection closed)", n, err, io.EOF)
				}
				return
			}
			// The connection serves a next request: the bound no longer holds it.
			if _, err := io.WriteString(c, "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * bound))
			if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("a second request on the connection: %v, %v; want %d", resp, err, http.StatusOK)
			}
		})
	}
}

// TestAStalledBodyOverTheQuotaIsAnsweredWithinItsBound: a chunked body
// that passes HTTP APIs' payload quota (samlocal.MaxRequestBody, 10 MB)
// and then stalls is answered API Gateway's 413 once the body's bound has
// passed from the end of its head, the connection closed, no function
// reached. Its answer waits on net/http's read of what is left of an
// unread body (up to 256 KiB), which the bound must end too: when the
// bound was lifted as soon as the quota was passed, the connection was
// held without an answer for as long as the client kept it open.
func TestAStalledBodyOverTheQuotaIsAnsweredWithinItsBound(t *testing.T) {
	const bound = time.Second // room for 10 MB to cross under -race
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(servedAsOnMakeRunWithin(t, bound, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
	})))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := samlocal.MaxRequestBody + 1
	head := "POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(n), 16) + "\r\n"
	if _, err := io.WriteString(c, head+strings.Repeat("a", int(n))+"\r\n"); err != nil {
		t.Fatal(err)
	}
	// No last chunk: the client stalls.
	_ = c.SetReadDeadline(time.Now().Add(10 * bound))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v; want %d", 10*bound, err, http.StatusRequestEntityTooLarge)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || string(b) != samlocal.GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", resp.StatusCode, b, http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge)
	}
	if len(reached) > 0 {
		t.Errorf("function reached; want not")
	}
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the answer: read %d bytes, %v; want %v (the connection closed)", n, err, io.EOF)
	}
}
