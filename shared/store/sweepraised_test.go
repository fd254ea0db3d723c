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

// TestSweepWriteRefusedInTheBandBeforeTheStoredPurge: "writes are refused
// during a guard band (WRITE_GUARD, default 5 s) before expiresAt and
// before retainUntil" (docs/design.md §4), and an open session's end of
// retention is the one it was written with: "a raised RESULT_RETENTION does
// not move it later" (session.PurgeAt). A session written under a 15 min
// retention, swept by a store whose retention was raised to 30 min (so
// clearOfPurge, judged on the new retention, lets the write go), is not
// expired from the instant the band before its stored purgeAt begins: the
// write's condition (purgeAt > now + WRITE_GUARD) refuses it, and Expire
// reports the session left to its purge (store.ErrNearPurge: no one else
// closed it). Kills the mutant of that condition as >= (the session was
// written EXPIRED at the band's first instant), which every test passed.
// A write refused so was answered, so its outcome is known: it is not
// judged by a consistent GetItem of the session as a write whose outcome
// is unknown (Expire: "A write whose outcome is unknown (its every answer
// lost, a 5xx, a timeout: see ambiguous) is judged by the session read
// back"). ambiguous took ErrNearPurge, no answer of DynamoDB's, for an
// unknown outcome: each such session cost every run a refused write and a
// consistent read of up to 380 KB until TTL deleted it, and ExpireJudged
// reported readBack (r90-review).
func TestSweepWriteRefusedInTheBandBeforeTheStoredPurge(t *testing.T) {
	ctx := context.Background()
	band := session.DefaultWriteGuard
	raised := session.DefaultPolicy
	raised.Retention = 2 * session.DefaultPolicy.Retention
	tests := []struct {
		name    string
		before  time.Duration // before the stored purgeAt, by the sweeper's clock
		expired bool
		err     error
	}{
		{"100 ns before the band", band + 100*time.Nanosecond, true, nil},
		{"at the band", band, false, store.ErrNearPurge},
		{"at the stored purge", 0, false, store.ErrNearPurge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			f.clock.Set(v.ExpiresAt.Add(band + time.Minute))
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("expiry keys: got %v; want 1", keys)
			}
			purgeAt := v.ExpiresAt.Add(session.DefaultPolicy.Retention)
			f.clock.Set(purgeAt.Add(-tt.before))
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
			if ok != tt.expired || readBack || !errors.Is(err, tt.err) || reads.Load() != 0 {
				t.Errorf("ExpireJudged() = %v, %v, %v after %d GetItems; want %v, false, %v after none", ok, readBack, err, reads.Load(), tt.expired, tt.err)
			}
			wantVersion := int64(1)
			if tt.expired {
				wantVersion = 2
			}
			if got := numberAttr(t, f.raw(t, v.ID), "version"); got != wantVersion {
				t.Errorf("stored version: got %v; want %v", got, wantVersion)
			}
		})
	}
}
