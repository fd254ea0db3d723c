package localserver

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestInvocationOutlivesItsClient: on AWS a function's invocation runs to
// its deadline whatever the client does once API Gateway has the request
// (a synchronous invocation is not stopped when its caller goes away), so a
// create whose client closed its side of the connection after the last
// byte still writes its session. make run's invocation is served under the
// function's deadline alone: a client's half-close (which Go's server
// reads as the client gone, ending the request's context) or hang-up does
// not end the handler's context, which a DynamoDB call would take as a
// cancel (a 503, the write dropped part-way).
func TestInvocationOutlivesItsClient(t *testing.T) {
	for _, tc := range []struct{ name, request string }{
		{"create, Content-Length", "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"},
		{"create, chunked", "POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
		{"read, no body", "GET /sessions/x HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ended := make(chan error, 1)
			srv := httptest.NewServer(servedAsOnMakeRun(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// The handler's work takes a moment, as a DynamoDB call does.
				select {
				case <-r.Context().Done():
					ended <- r.Context().Err()
				case <-time.After(500 * time.Millisecond):
					ended <- nil
				}
			})))
			defer srv.Close()
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write([]byte(tc.request)); err != nil {
				t.Fatal(err)
			}
			if err := c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-ended:
				if err != nil {
					t.Errorf("the handler's context ended (%v) when the client closed its side; got %v; want %v (the invocation runs to its deadline)", err, err, error(nil))
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the handler never ended")
			}
		})
	}
}
