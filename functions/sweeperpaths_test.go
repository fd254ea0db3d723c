package functions_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweeperUnknownOutcomeStaysInsideItsPolicy drives the sweeper's path
// the bootstrap test never reaches: an expiry write whose answer is lost
// (applied, then the connection reset). store.Expire then reads the session
// back (a consistent GetItem, afterUnknown) to learn whether its write
// landed. Every DynamoDB action of that path must be one the sweeper's IAM
// policy grants (dynamoActions, which template.yaml grants exactly): on AWS
// a GetItem the policy lacks is AccessDenied, the read-back fails, and an
// expiry that did land is counted as an error (SweepErrors, its alarm).
func TestSweeperUnknownOutcomeStaysInsideItsPolicy(t *testing.T) {
	ctx := context.Background()
	rec := &dynamoRecorder{}
	var lost atomic.Int64
	ic := &storetest.Interceptor{Next: recordingTransport{rec}, Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "UpdateItem" {
			return nil, nil
		}
		res, err := (recordingTransport{rec}).RoundTrip(req) // applied
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lost.Add(1)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET} // answer lost
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	table := storetest.NewTable(t, db)
	var now atomic.Int64
	start := time.Now().UTC()
	now.Store(start.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	st := store.New(db, table, session.DefaultPolicy, 64, clock)

	d := &session.Draft{Amount: new(int64), Currency: "EUR"}
	*d.Amount = 100
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	v := session.New(d, "m-1", uuid.NewString(), "hcp-"+uuid.NewString(), clock(), session.DefaultPolicy)
	if _, _, err := st.Create(ctx, v, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	// The sweeper's first instant for it.
	now.Store(v.ExpiresAt.Add(session.DefaultWriteGuard).UnixNano())
	rec.mu.Lock()
	rec.requests, rec.grants, rec.keys = nil, nil, nil
	rec.mu.Unlock()

	r := sweep.New(st, slog.New(slog.NewJSONHandler(io.Discard, nil)), clock).Run(ctx)
	if lost.Load() != 1 || r.Expired != 1 || r.Errors != 0 {
		t.Errorf("sweep = %+v with %d answers lost; want the one expiry counted as done (read back), no error", r, lost.Load())
	}
	got := rec.actions()
	t.Logf("the sweeper called DynamoDB: %v", rec.requests)
	for _, g := range got {
		if !slices.Contains(dynamoActions["expiry-sweeper"], g) {
			t.Errorf("expiry-sweeper needs %v, which its policy does not grant; got %v; want a subset of %v", g, got, dynamoActions["expiry-sweeper"])
		}
	}
	if !slices.Contains(got, grant{"dynamodb:GetItem", ""}) {
		t.Errorf("the sweeper's actions %v hold no GetItem: the read-back path was not reached", got)
	}
	rec.checkKeys(t, "expiry-sweeper")
}
