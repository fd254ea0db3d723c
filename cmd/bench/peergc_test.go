package main

import (
	"context"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestRawPeerRunsWithTheServicesGC: the load budget compares the local
// server's p50 with the raw GetItem peer's, the same SDK call at the same
// concurrency. The service runs with its own GOGC (200, shared/app), and
// the SDK's client side of a GetItem spends about a quarter of its CPU in
// GC at Go's default 100 (measured 2026-12-02, interleaved, against a fake
// in another process: 118 µs against 91 µs of CPU a call, p50 2.5 against
// 1.9 ms): a peer left at 100 pays that on the two shared cores, and the
// ratio credits the service with the difference. The peer must run with
// the service's GC setting, as the overhead part's floor (one process with
// the subject) already does.
func TestRawPeerRunsWithTheServicesGC(t *testing.T) {
	t.Setenv("GOGC", "") // the service's own setting applies when GOGC is unset
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	endpoint := peerEndpoint(t)
	if _, err := rawGetItem(endpoint, os.Getpid(), "t", "s1", 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(sample)
	if got, want := sample[0].Value.Uint64(), uint64(200); got != want {
		t.Errorf("GOGC after the raw peer's run = %d; want %d (the service's, shared/app)", got, want)
	}
}

// peerEndpoint is a fake DynamoDB holding the item the raw peer reads
// (table "t", session "s1").
func peerEndpoint(t *testing.T) string {
	t.Helper()
	fake := httptest.NewServer(storetest.NewFakeDynamo())
	t.Cleanup(fake.Close)
	db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "SESSION#s1"}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
	}
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
		t.Fatal(err)
	}
	return fake.URL
}

// TestRawPeerCallsWhateverItsWorkersStart: each of the raw peer's workers
// calls at least once, however late it starts. Its workers called only
// until the run's end, set before they started: on a loaded machine a
// worker first ran after a short run's end (TestRawPeerRunsWithTheServicesGC
// runs the peer 100 ms) and made no call, and with every worker late the
// peer failed "no successful call". A run that has ended before any
// worker starts (0 s) is every worker late, as such a machine makes it.
func TestRawPeerCallsWhateverItsWorkersStart(t *testing.T) {
	before := debug.SetGCPercent(100) // the peer sets the service's
	t.Cleanup(func() { debug.SetGCPercent(before) })
	res, err := rawGetItem(peerEndpoint(t), os.Getpid(), "t", "s1", 0)
	if err != nil {
		t.Fatalf("rawGetItem() for 0 s: %v; want a call from each worker", err)
	}
	if res.requests < loadConcurrency || res.errors != 0 {
		t.Errorf("rawGetItem() for 0 s: calls got %d (%d failed); want at least %d, none failed", res.requests, res.errors, loadConcurrency)
	}
}
