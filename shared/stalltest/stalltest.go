// Package stalltest gives the tests of the local servers (make run's
// localserver, make start-api's samlocal) the clients that announce a
// request body and stall it, which both must answer within their bound on
// the wait for a body (samlocal.ReadBody): a request written raw in parts,
// with pauses between them, and the answer read back; and the requests
// both answer in API Gateway's stead, sent at once (AtOnce).
package stalltest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Send writes parts to a new connection to addr in turn, a pause of
// bound/3 between them, and returns the status and body the server
// answered within 10 times bound (none is a fatal error). When closed, it
// checks that the server then closed the connection; else that the
// connection serves the same request again, sent whole, with the same
// status.
func Send(t *testing.T, addr string, bound time.Duration, closed bool, parts ...string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, p := range parts {
		if i > 0 {
			time.Sleep(bound / 3)
		}
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(c)
	status, body := answer(t, c, br, bound)
	if closed {
		checkClosed(t, br)
		return status, body
	}
	// The connection serves a next request: the bound no longer holds it.
	if _, err := io.WriteString(c, strings.Join(parts, "")); err != nil {
		t.Fatal(err)
	}
	if again, _ := answer(t, c, br, bound); again != status {
		t.Errorf("the request again on the connection: got %d; want %d", again, status)
	}
	return status, body
}

// StallPastQuota sends a chunked POST to addr whose one chunk, sent pause
// after the head, is a byte over quota, and then stalls (no last chunk);
// it returns the status and body the server answered within 10 times
// bound (none is a fatal error), and checks that the server then closed
// the connection.
func StallPastQuota(t *testing.T, addr string, bound, pause time.Duration, quota int) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(pause) // a slow client: the body begins a while after the head
	n := quota + 1
	if _, err := io.WriteString(c, strconv.FormatInt(int64(n), 16)+"\r\n"+strings.Repeat("a", n)+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	status, body := answer(t, c, br, bound)
	checkClosed(t, br)
	return status, body
}

// answer reads a response from br within 10 times bound.
func answer(t *testing.T, c net.Conn, br *bufio.Reader, bound time.Duration) (int, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * bound))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", 10*bound, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// checkClosed checks that the server closed the connection after its
// answer.
func checkClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the answer: read %d bytes, %v; want %v (the connection closed)", n, err, io.EOF)
	}
}
