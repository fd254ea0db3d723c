package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestExpireAtTheBandsFirstInstantSendsNoWrite: Expire's doc, "A session
// that has come within the guard band before its purge since the sweeper's
// query found it is not sent a write at all: ErrNearPurge, judged by the
// clock reading the write's condition uses, so such a write is never
// refused and taken for someone else's". At the band's first instant (the
// write's instant, now + WRITE_GUARD, equal to its retainUntil) the
// condition (purgeAt > now + WRITE_GUARD) would refuse it: no UpdateItem is
// sent. One tick (100 ns) earlier the write lands. (r90-mutate:
// clearOfPurge with >= sent that write, which the condition refused and
// pastWrittenPurge read as ErrNearPurge, and every test passed.)
func TestExpireAtTheBandsFirstInstantSendsNoWrite(t *testing.T) {
	ctx := context.Background()
	calls := &storetest.CallCounter{}
	f := newFixtureWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	v := f.create(t, "m-1")
	purge := v.ExpiresAt.Add(session.DefaultPolicy.Retention)
	f.clock.Set(purge.Add(-session.DefaultWriteGuard - time.Second))
	keys := f.expiryKeys(t)
	if len(keys) != 1 {
		t.Fatalf("expiry keys = %v; want 1", keys)
	}
	calls.Take()
	f.clock.Set(purge.Add(-session.DefaultWriteGuard))
	if ok, err := f.st.Expire(ctx, keys[0]); ok || !errors.Is(err, store.ErrNearPurge) {
		t.Errorf("Expire at the band's first instant = %v, %v; want false, ErrNearPurge", ok, err)
	}
	if got := calls.Take(); slices.Contains(got, "UpdateItem") {
		t.Errorf("Expire at the band's first instant called %v; want no UpdateItem", got)
	}
	f.clock.Set(purge.Add(-session.DefaultWriteGuard - 100*time.Nanosecond))
	if ok, err := f.st.Expire(ctx, keys[0]); !ok || err != nil {
		t.Errorf("Expire a tick before the band = %v, %v; want true, nil", ok, err)
	}
}
