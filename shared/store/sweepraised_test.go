package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
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
			sweeper := store.New(f.db, f.table, raised, 16, f.clock.Now)
			ok, err := sweeper.Expire(ctx, keys[0])
			if ok != tt.expired || !errors.Is(err, tt.err) {
				t.Errorf("Expire() = %v, %v; want %v, %v", ok, err, tt.expired, tt.err)
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
