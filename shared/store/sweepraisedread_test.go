package store_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepWriteRefusedForTheStoredPurgeIsNotReadBack: a sweep write
// DynamoDB refused for the end the item was written with (a condition
// failed, its old item returned: pastWrittenPurge) was answered, so its
// outcome is known: ErrNearPurge at once, not judged by a consistent
// GetItem of the session as a write whose outcome is unknown (Expire: "A
// write whose outcome is unknown (its every answer lost, a 5xx, a timeout:
// see ambiguous) is judged by the session read back"). ErrNearPurge is no
// answer of DynamoDB's, so ambiguous took it for an unknown outcome: each
// such session cost every run a refused write and a consistent read of up
// to 380 KB until TTL deleted it, and ExpireJudged reported readBack.
func TestSweepWriteRefusedForTheStoredPurgeIsNotReadBack(t *testing.T) {
	ctx := context.Background()
	band := session.DefaultWriteGuard
	raised := session.DefaultPolicy
	raised.Retention = 2 * session.DefaultPolicy.Retention
	f := newFixture(t)
	v := f.create(t, "m-1")
	f.clock.Set(v.ExpiresAt.Add(band + time.Minute))
	keys := f.expiryKeys(t)
	if len(keys) != 1 {
		t.Fatalf("expiry keys: got %v; want 1", keys)
	}
	f.clock.Set(v.ExpiresAt.Add(session.DefaultPolicy.Retention))
	var reads atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op == "GetItem" {
			reads.Add(1)
		}
		return nil, nil
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	sweeper := store.New(db, f.table, raised, 16, f.clock.Now)
	ok, readBack, err := sweeper.ExpireJudged(ctx, keys[0])
	if ok || readBack || !errors.Is(err, store.ErrNearPurge) || reads.Load() != 0 {
		t.Errorf("ExpireJudged() = %v, %v, %v after %d GetItems; want false, false, ErrNearPurge after none", ok, readBack, err, reads.Load())
	}
}
