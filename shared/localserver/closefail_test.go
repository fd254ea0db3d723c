package localserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAListenerThatWillNotCloseFailsTheStop: README's "A stop that fails
// (the server's listener not closed) is not quiet": Close returns the listener's
// failed close whoever closed it: Shutdown, when Serve has the listener,
// or Serve itself, which closes it when it returns and drops the error:
// on its own (its Accept failed), or at once when a stop came before its
// goroutine had run (a Ctrl-C just after start-up; cmd/localapi's
// TestFailedStopIsNotQuiet failed in CI so, and the first row failed on
// every run before Close closed the listener itself).
func TestAListenerThatWillNotCloseFailsTheStop(t *testing.T) {
	for _, tc := range []struct {
		name         string
		serving      bool // a request answered before the stop
		refuseAccept bool
	}{
		{"stopped at once after start-up", false, false},
		{"stopped while serving", true, false},
		{"Serve returned on its own", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{
				"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
				"TABLE_NAME":        fmt.Sprintf("localserver-%d-%d", os.Getpid(), time.Now().UnixNano()),
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := Start(ctx, Options{Getenv: func(k string) string { return vars[k] }, Log: io.Discard, Listener: stoptest.StubbornListener{Listener: ln, RefuseAccept: tc.refuseAccept}})
			if err != nil {
				t.Fatal(err)
			}
			if tc.serving {
				resp, err := http.Get(s.URL + "/sessions/x")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			if tc.refuseAccept {
				select {
				case err := <-s.Served():
					if !errors.Is(err, stoptest.ErrAccept) {
						t.Fatalf("Served() = %v; want %v", err, stoptest.ErrAccept)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("Serve did not return 30 s after its Accept failed")
				}
			}
			if err := s.Close(); !errors.Is(err, stoptest.ErrClose) {
				t.Errorf("Close() = %v; want %v", err, stoptest.ErrClose)
			}
			if err := s.Close(); !errors.Is(err, stoptest.ErrClose) {
				t.Errorf("Close() again = %v; want %v", err, stoptest.ErrClose)
			}
		})
	}
}
