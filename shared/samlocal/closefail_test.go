package samlocal

import (
	"context"
	"fmt"
	"io"
	"net"
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
	for _, tc := range stoptest.StubbornStops {
		t.Run(tc.Name, func(t *testing.T) {
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
				Log: io.Discard, Listener: stoptest.StubbornListener{Listener: ln, RefuseAccept: tc.RefuseAccept},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				db := storetest.Client(t, store.ClientOptions{})
				_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(s.TableName)})
			})
			stoptest.CheckStubbornStop(t, tc, s, s.URL+"/local/token?merchant_id=merchant-1")
		})
	}
}
