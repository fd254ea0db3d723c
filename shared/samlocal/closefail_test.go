package samlocal

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAStacksListenerThatWillNotCloseFailsTheStop: README's "A stop that
// fails (the server's listener not closed) is not quiet" for make
// start-api's stack: it is Close's error, as make run's is
// (localserver's TestAListenerThatWillNotCloseFailsTheStop), whoever
// closed the listener: Shutdown while Serve has it, or Serve itself when
// it returned on its own or a stop came before its goroutine had run.
func TestAStacksListenerThatWillNotCloseFailsTheStop(t *testing.T) {
	bins, rie := testBootstraps(t)
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
				"TABLE_NAME":        fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1)),
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := Start(ctx, Options{
				Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: bins, Emulator: rie,
				Log: io.Discard, Listener: stoptest.StubbornListener{Listener: ln, RefuseAccept: tc.refuseAccept},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				db := storetest.Client(t, store.ClientOptions{})
				_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(s.TableName)})
			})
			if tc.serving {
				resp, err := http.Get(s.URL + "/local/token?merchant_id=merchant-1")
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
