package storetest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestClosedChildUnderAnExpiredParentOnBothStores: docs/design.md §4, "An
// open session is expired from the instant `expiresAt` is reached (`now >=
// expiresAt`), whether or not the sweeper has written it" and "A child can
// never reach AUTHORISED or SETTLED under a closed parent: 409
// PARENT_CLOSED". A child FAILED or CANCELED on its own while its parent
// was open, asked to take money once the parent has expired, gets the
// same answer on store.Store (DynamoDB Local) and storetest.Memory, and on
// store.Store the same before and after the sweeper stored the parent's
// EXPIRED. Before the fix, the unswept parent was taken for an open one
// (INVALID_TRANSITION) and the swept one for a closed one (PARENT_CLOSED):
// 8 of 12 rows failed (every unswept row).
func TestClosedChildUnderAnExpiredParentOnBothStores(t *testing.T) {
	real, mem := newContractRuns(t)
	p := session.DefaultPolicy
	n := 0
	for _, closed := range []session.Status{session.Failed, session.Canceled} {
		for _, to := range []session.Status{session.Authorised, session.Settled} {
			for _, sweep := range []bool{false, true} {
				n += 2
				for name, r := range map[string]*contractRun{"store": real, "memory": mem} {
					real, ok := r.st.(*store.Store)
					if sweep && !ok {
						continue // storetest.Memory stores no expiry: its reads are the unswept store's
					}
					t.Run(fmt.Sprintf("%s/%s child/%s/swept=%v", name, closed, to, sweep), func(t *testing.T) {
						r.clock.Set(t0.Add(time.Duration(n) * time.Hour))
						if got := r.create(n, "m-1", 0, nil); !strings.HasPrefix(got, "body ") {
							t.Fatalf("create parent: %s", got)
						}
						r.clock.Advance(time.Minute)
						if got := r.create(n+1, "m-1", n, nil); !strings.HasPrefix(got, "body ") {
							t.Fatalf("create child: %s", got)
						}
						r.clock.Advance(19 * time.Minute) // the child's retention outlasts its parent's life
						if got := r.event(n+1, closed, ""); !strings.HasPrefix(got, "{") {
							t.Fatalf("child %s: %s", closed, got)
						}
						parent, err := r.st.Get(ctx, id(n))
						if err != nil || parent.Status != session.Created {
							t.Fatalf("parent = %v, %v; want it open", parent, err)
						}
						r.clock.Set(parent.ExpiresAt.Add(p.WriteGuard + time.Minute))
						if sweep {
							swept := 0
							for shard := 0; shard < real.Shards(); shard++ {
								if _, err := real.Expired(ctx, shard, r.clock.Now(), 100, func(ks []store.ExpiryKey) bool {
									for _, k := range ks {
										if ok, err := real.Expire(ctx, k); err != nil {
											t.Fatalf("Expire() = %v", err)
										} else if ok && k.ID == id(n) {
											swept++
										}
									}
									return true
								}); err != nil {
									t.Fatal(err)
								}
							}
							if swept != 1 {
								t.Fatalf("the sweeper expired the parent %d times; want 1", swept)
							}
						}
						got := r.event(n+1, to, "")
						if want := "error " + string(session.ECONFLICT) + " " + session.ReasonParentClosed + " "; !strings.HasPrefix(got, want) {
							t.Errorf("%s child, %s under an expired parent (swept %v): %s; want %s", closed, to, sweep, got, want)
						}
					})
				}
			}
		}
	}
}
