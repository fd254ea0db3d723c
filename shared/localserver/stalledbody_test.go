package localserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/stalltest"
)

// TestAStalledBodyIsAnsweredWithinItsBound: a request that announces a
// body (Content-Length: 100) and stops sending it is answered once the
// body's bound has passed from the end of its head (Options.BodyTimeout,
// 10 s by default, the ReadHeaderTimeout the head has): 408
// {"message":"Request Timeout"} in API Gateway's shape, the connection
// closed, no function reached; its log line's latency_ms is timed from
// the end of the head (at least the bound: README's "the status and
// latency"), where it was timed from the end of the wait (near 0). Before,
// make run waited for the body without limit (a probe held a connection
// 10 minutes). A body that arrives within the bound is served, however
// long its function then takes, on a connection that stays open for the
// next request.
func TestAStalledBodyIsAnsweredWithinItsBound(t *testing.T) {
	const bound = 300 * time.Millisecond
	reached := make(chan string, 4)
	logs := &syncBuffer{}
	srv := httptest.NewServer(servedAndLoggedWithin(t, bound, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reached <- string(b)
		time.Sleep(2 * bound) // a function slower than the body's bound
		w.WriteHeader(http.StatusOK)
	}), logs))
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
		// RFC 9112 §7.1: a chunked body ends with its trailer section and a
		// CRLF; net/http's read of a trailer cut off by the deadline fails
		// as "suspiciously long" (once answered 400).
		{"a chunked body that stalls in its trailer", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: a\r\n"}, http.StatusRequestTimeout, httpapi.GatewayRequestTimeout, true, false},
		{"a body in two parts within the bound", []string{"POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{", "}"}, http.StatusOK, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := stalltest.Send(t, srv.Listener.Addr().String(), bound, tt.closed, tt.parts...)
			if status != tt.status || tt.body != "" && body != tt.body {
				t.Errorf("answer %d %s; want %d %s", status, body, tt.status, tt.body)
			}
			if got := len(reached) > 0; got != tt.fn {
				t.Errorf("function reached %v; want %v", got, tt.fn)
			}
			for len(reached) > 0 {
				<-reached
			}
			if !tt.closed {
				return
			}
			line := requestLine(t, logs.String())
			if got := line["status"]; got != float64(tt.status) {
				t.Errorf("log line's status got %v; want %v", got, tt.status)
			}
			if got, _ := line["latency_ms"].(float64); got < float64((bound - bound/10).Milliseconds()) {
				t.Errorf("log line's latency_ms got %v; want at least %v", line["latency_ms"], (bound - bound/10).Milliseconds())
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
// held without an answer for as long as the client kept it open. Its log
// line's latency_ms is timed from the end of the head, the body's wait
// included (it was timed from the end of the read: a slow client's wait
// was left out).
//
// Its 10 MB took over 10 s to cross under -race at a load of 12 (408, not
// 413: it failed so on 2026-12-05 with a bound of 5 s, then of 10 s). It
// runs in make test's pass without the detector (PLAIN_TESTS): the stall's
// concurrency (the body's bound beside its reader, the answer while the
// client still sends) is checked under the detector by
// TestAStalledBodyIsAnsweredWithinItsBound,
// TestQuotaChecksAllocateLittleMoreThanTheBody and
// TestStackKeepsTheBoundOnAChunkedBodyOverTheQuota, the last two with a
// chunked body a byte over the quota (the last has samlocal.ReadBody, which
// this server shares, keep its bound past the quota).
func TestAStalledBodyOverTheQuotaIsAnsweredWithinItsBound(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	const bound = 10 * time.Second // room for the pause and 10 MB to cross on a loaded machine
	reached := make(chan struct{}, 1)
	logs := &syncBuffer{}
	srv := httptest.NewServer(servedAndLoggedWithin(t, bound, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- struct{}{}
	}), logs))
	defer srv.Close()
	const pause = bound / 10
	status, body := stalltest.StallPastQuota(t, srv.Listener.Addr().String(), bound, pause, samlocal.MaxRequestBody)
	if status != http.StatusRequestEntityTooLarge || body != samlocal.GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", status, body, http.StatusRequestEntityTooLarge, samlocal.GatewayTooLarge)
	}
	if len(reached) > 0 {
		t.Errorf("function reached; want not")
	}
	line := requestLine(t, logs.String())
	if got := line["status"]; got != float64(http.StatusRequestEntityTooLarge) {
		t.Errorf("log line's status got %v; want %v", got, http.StatusRequestEntityTooLarge)
	}
	if got, _ := line["latency_ms"].(float64); got < float64((pause - pause/10).Milliseconds()) {
		t.Errorf("log line's latency_ms got %v; want at least %v (the body's wait)", line["latency_ms"], (pause - pause/10).Milliseconds())
	}
}

// requestLine reads the last request line (msg "request") in logs.
func requestLine(t *testing.T, logs string) map[string]any {
	t.Helper()
	lines := requestLines(t, logs)
	return lines[len(lines)-1]
}

// requestLines reads the request lines (msg "request") in logs, at least
// one.
func requestLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("no request line in %q", logs)
	}
	return lines
}

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAFunctionsLineTimesTheFunction: a request a function serves is
// logged with the function's own time, as in Lambda, whose invocation
// begins once API Gateway has the whole body (README: "a function's line,
// under `make run` as in Lambda, times the function's work, which starts
// once the whole body is in"); only an answer given in API Gateway's
// stead counts the wait for the body. Here the body's second byte comes a
// second after the head and the function answers at once: its line is
// well under the pause.
func TestAFunctionsLineTimesTheFunction(t *testing.T) {
	const bound = 3 * time.Second // Send pauses bound/3 between the parts
	logs := &syncBuffer{}
	// The function behind its route, as make run's router serves it.
	srv := httptest.NewServer(servedAndLoggedWithin(t, bound, httpapi.NewRouter(httpapi.Route{Pattern: "POST /sessions", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})}), logs))
	defer srv.Close()
	status, _ := stalltest.Send(t, srv.Listener.Addr().String(), bound, false, "POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{", "}")
	if status != http.StatusOK {
		t.Fatalf("answer %d; want %d", status, http.StatusOK)
	}
	first := requestLines(t, logs.String())[0] // the request sent in parts
	if got, limit := first["latency_ms"].(float64), float64((bound / 6).Milliseconds()); got >= limit {
		t.Errorf("the function's line latency_ms got %v; want under %v (the body's wait of %v left out)", got, limit, bound/3)
	}
}

// TestAnUnroutedAnswersLineCountsTheBodysWait: README: "each answer the
// local server gives in API Gateway's stead (... the 404 of a path no
// route matches ...) has its request log line too ... Such a line's
// latency runs from the end of the request's head, the wait for its body
// included". A path no route takes is answered by the service's router
// (API Gateway's 404, "route":""), behind the body's read, as is a path
// whose decodings match different routes (asDelivered's own 404): each is
// timed from the head, so a body whose second byte comes a second after
// the head logs at least that second. Before, the router's 404 was timed
// from the router's start (a few µs) and only asDelivered's was not.
func TestAnUnroutedAnswersLineCountsTheBodysWait(t *testing.T) {
	const bound = 3 * time.Second // Send pauses bound/3 between the parts
	const pause = bound / 3
	for _, path := range []string{
		"/nowhere",              // no route: the router's 404
		"/sessions/s-1/refunds", // no route under a known prefix: the router's 404
		"/sessions//events",     // a path not in its canonical form: the router's 404
		"/%2573essions",         // decodings that match different routes: asDelivered's 404
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			srv := httptest.NewServer(servedAndLoggedWithin(t, bound, httpapi.NewRouter(httpapi.Routes(httpapi.Deps{})...), logs))
			defer srv.Close()
			status, body := stalltest.Send(t, srv.Listener.Addr().String(), bound, false, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{", "}")
			if status != http.StatusNotFound || body != httpapi.GatewayNotFound {
				t.Errorf("answer %d %s; want %d %s", status, body, http.StatusNotFound, httpapi.GatewayNotFound)
			}
			var first map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				if m["msg"] == "request" {
					first = m
					break
				}
			}
			if first == nil {
				t.Fatalf("no request line in %q", logs.String())
			}
			if got, want := first["route"], ""; got != want {
				t.Errorf("log line's route got %v; want %q", got, want)
			}
			if got, want := first["latency_ms"].(float64), float64((pause - pause/10).Milliseconds()); got < want {
				t.Errorf("log line's latency_ms got %v; want at least %v (the body's wait)", got, want)
			}
		})
	}
}
