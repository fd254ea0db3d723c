package localserver

import (
	"context"
	"fmt"
	"io"
	"net"
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
	for _, tc := range stoptest.StubbornStops {
		t.Run(tc.Name, func(t *testing.T) {
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
			s, err := Start(ctx, Options{Getenv: func(k string) string { return vars[k] }, Log: io.Discard, Listener: stoptest.StubbornListener{Listener: ln, RefuseAccept: tc.RefuseAccept}})
			if err != nil {
				t.Fatal(err)
			}
			stoptest.CheckStubbornStop(t, tc, s, s.URL+"/sessions/x")
		})
	}
}
