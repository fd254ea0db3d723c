package dynamolocal_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestEngineWhoseHeapRunsOutExits: the engine runs with the user's Java
// options, and _JAVA_OPTIONS is read after the command line, so an -Xmx
// there wins over the -Xmx1g Start gives. With too small a heap the JVM
// ran out of it on make run's first sweep and was left half alive: it
// held its port and its process, answered no request, and every call of
// the server's was a 503 after the SDK's retries, with nothing said
// (r92-fresh; the lead reproduced it with _JAVA_OPTIONS=-Xmx16m: 6 of 400
// creates answered). Started by Start, a JVM whose heap runs out exits
// (-XX:+ExitOnOutOfMemoryError), so that its exit can be seen (Done) and
// told (Exited); the local servers stop on it (localserver,
// TestEngineExitStopsTheServer).
func TestEngineWhoseHeapRunsOutExits(t *testing.T) {
	storetest.RequireEngine(t)
	t.Setenv("_JAVA_OPTIONS", "-Xmx16m")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() = %v; want an engine", err)
	}
	defer e.Stop()
	if err := e.Exited(); err != nil {
		t.Fatalf("Exited() of a running engine = %v; want nil", err)
	}
	call := func(target, body string) {
		req, err := http.NewRequest("POST", e.Endpoint, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
		c := http.Client{Timeout: 5 * time.Second}
		if res, err := c.Do(req); err == nil {
			res.Body.Close()
		}
	}
	call("CreateTable", `{"TableName":"heap","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	big := strings.Repeat("x", 350_000)
	deadline := time.After(90 * time.Second)
	for round := 0; ; round++ {
		select {
		case <-e.Done():
			if err := e.Exited(); !errors.Is(err, dynamolocal.ErrEngineExited) {
				t.Errorf("Exited() after the heap ran out = %v; want ErrEngineExited", err)
			}
			return
		case <-deadline:
			t.Fatalf("the engine, its heap 16 MB, still runs after %d rounds of 16 writes of 350 KB; want it to exit once its heap runs out", round)
		default:
		}
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				call("PutItem", fmt.Sprintf(`{"TableName":"heap","Item":{"k":{"S":"%d-%d"},"v":{"S":"%s"}}}`, round, i, big))
			})
		}
		wg.Wait()
	}
}
