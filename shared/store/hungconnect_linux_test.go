package store_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/paysessions/paysessions/shared/hungtcp"
	"github.com/paysessions/paysessions/shared/store"
)

// TestConnectGivenUpEndsWithItsAttempt: while DynamoDB hangs, the TCP
// connect or TLS handshake an attempt started ends with the attempt
// (client.go: "a connection being opened ends with the attempt that opened
// it"), not at the SDK's defaults (a 30 s connect timeout, a 10 s handshake
// timeout). net/http detaches a dial from its request's cancellation
// (Transport.getConn dials under context.WithoutCancel), so cutting the
// attempt off (3 s) does not end it: before the fix each attempt given up
// on left its dial running for 30 s (its goroutine and socket), and a
// stopped engine piled them up (760 goroutines seen).
//
// The hangs are real sockets, through the client NewClient builds (its
// production timeouts): a connect to a listener whose accept queue is full
// (backlog 0, one connection never accepted; Linux drops further SYNs, so
// the connect hangs as with a black-holed address), and a TLS handshake
// with a listener that accepts and never answers. The end of the dial or
// handshake is seen through httptrace (the dial keeps the request's
// context values).
//
// Two checks, one exact and one on the clock. The client's dialer and
// transport must carry exactly the configured timeouts (store.DialTimeout,
// 1 s; store.TLSHandshakeTimeout, 2 s): no clock, so any other value fails
// whatever the machine's load. And the hang, timed from its start, must end
// within twice its configured timeout plus 500 ms (2.5 s, 4.5 s): the
// dialer and transport checked are the ones the call used, and a timer on
// a loaded 2-core machine is late by far less than the timeout itself. A
// connect ends 1.0 s, a handshake 2.0 s after it began; the SDK's defaults
// end them 30.0 s and 10.0 s after (measured before the fix), and the
// earlier bound of the attempt's 3 s plus 4 s passed any connect timeout
// up to 6.9 s.
func TestConnectGivenUpEndsWithItsAttempt(t *testing.T) {
	tests := []struct {
		name      string
		handshake bool // the TCP connect succeeds and the TLS handshake hangs
		caBundle  bool // AWS_CA_BUNDLE set (the client's other transport path)
		timeout   time.Duration
	}{
		{"TCP connect hangs", false, false, store.DialTimeout},
		{"TLS handshake hangs", true, false, store.TLSHandshakeTimeout},
		{"TLS handshake hangs, AWS_CA_BUNDLE set", true, true, store.TLSHandshakeTimeout},
	}
	if store.DialTimeout+store.TLSHandshakeTimeout > store.AttemptTimeout {
		t.Errorf("connect %v and handshake %v add up to more than the attempt's %v; want a connection opened to end with the attempt", store.DialTimeout, store.TLSHandshakeTimeout, store.AttemptTimeout)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundle := ""
			if tt.caBundle {
				bundle = caBundleFile(t)
			}
			t.Setenv("AWS_CA_BUNDLE", bundle)
			var endpoint string
			if tt.handshake {
				silent, _ := hungtcp.Silent(t)
				endpoint = "https://" + silent
			} else {
				addr, _ := hungtcp.FullQueue(t)
				endpoint = "http://" + addr
			}
			db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: endpoint, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			bc, ok := store.HTTPClientOf(db).(*awshttp.BuildableClient)
			if !ok {
				t.Fatalf("the client's HTTP client is a %T; want the SDK's BuildableClient", store.HTTPClientOf(db))
			}
			if got := bc.GetDialer().Timeout; got != store.DialTimeout {
				t.Errorf("the dialer's timeout got %v; want %v", got, store.DialTimeout)
			}
			if got := bc.GetTransport().TLSHandshakeTimeout; got != store.TLSHandshakeTimeout {
				t.Errorf("the transport's TLS handshake timeout got %v; want %v", got, store.TLSHandshakeTimeout)
			}
			bound := 2*tt.timeout + 500*time.Millisecond
			ended := make(chan error, 1)
			var mu sync.Mutex
			var started time.Time
			start := func() {
				mu.Lock()
				defer mu.Unlock()
				if started.IsZero() {
					started = time.Now()
				}
			}
			end := func(err error) {
				select {
				case ended <- err:
				default:
				}
			}
			trace := &httptrace.ClientTrace{
				ConnectStart: func(string, string) { start() },
				ConnectDone:  func(_, _ string, err error) { end(err) },
			}
			if tt.handshake {
				trace = &httptrace.ClientTrace{
					TLSHandshakeStart: start,
					TLSHandshakeDone:  func(_ tls.ConnectionState, err error) { end(err) },
				}
			}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			if _, err := getBlob(ctx, db); err == nil {
				t.Fatal("the call succeeded against a hung endpoint")
			}
			mu.Lock()
			began := started
			mu.Unlock()
			if began.IsZero() {
				t.Fatal("no connect or handshake began")
			}
			select {
			case err := <-ended:
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("it ended with %v; want a timeout (the endpoint must hang, not fail)", err)
				}
				if took := time.Since(began); took > bound {
					t.Errorf("it ended %v after it began; want within %v", took.Round(time.Millisecond), bound)
				}
			case <-time.After(time.Until(began.Add(bound))):
				t.Errorf("still running %v after it began, the call given up; want it ended within %v (its timeout is %v)",
					time.Since(began).Round(time.Millisecond), bound, tt.timeout)
			}
		})
	}
}

// caBundleFile writes a PEM certificate (an httptest server's) to a file.
func caBundleFile(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	name := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}
