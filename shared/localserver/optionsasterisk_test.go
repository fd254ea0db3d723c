package localserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestOptionsAsteriskIsTheGatewaysNotFound: the request target "*" is a
// path no route matches. README: "a request whose path matches no route
// never reaches a Lambda on AWS, and API Gateway answers it itself with
// `404`, `Content-Type: application/json` and `{"message":"Not Found"}`
// ... The local server answers exactly so", and "Under `make run`, each
// answer the local server gives in API Gateway's stead (... the 404 of a
// path no route matches ...) has its request log line too". GET * is
// that 404, with its line; OPTIONS * is answered by net/http itself
// (serverHandler's globalOptionsHandler, before any handler of the
// server's runs): 200, an empty body, none of the service's headers and
// no log line.
// (newHTTPServer now leaves it to the handler.)
func TestOptionsAsteriskIsTheGatewaysNotFound(t *testing.T) {
	logs := &syncBuffer{}
	srv := newHTTPServer()
	srv.Handler = servedAndLoggedWithin(t, 3*time.Second, httpapi.NewRouter(httpapi.Routes(httpapi.Deps{})...), logs)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	for _, method := range []string{"GET", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, method+" * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusNotFound || string(body) != httpapi.GatewayNotFound || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s * = %d %q (Content-Type %q); want 404 %s (application/json)", method, res.StatusCode, body, res.Header.Get("Content-Type"), httpapi.GatewayNotFound)
			}
		})
	}
	n := 0
	for _, l := range requestLines(t, logs.String()) {
		if l["path"] == "*" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("request lines for path *: %d; want 2 (GET and OPTIONS): %s", n, logs.String())
	}
}
