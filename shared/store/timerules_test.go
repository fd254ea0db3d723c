package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// ceilSeconds is t in whole epoch seconds, rounded up: the ttl a session
// purged at t must carry, so TTL never deletes it while it still exists.
func ceilSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// TestTTLNeverBeforePurge: docs/design.md §4, "The item's ttl attribute
// (epoch seconds) is expiresAt + RESULT_RETENTION while the session is
// open, closedAt + RESULT_RETENTION once it is closed", and §1, "its result
// stays readable for 15 minutes". An instant a fraction past a whole second
// (times are kept to 100 ns) must round up: a ttl one second short lets TTL
// delete a session readers are still entitled to see. Every write path is
// checked: create (open), a processor's close, a merchant cancel, a child's
// AUTHORISED moving its parent, a parent's close canceling its child, and
// the sweeper's expiry.
func TestTTLNeverBeforePurge(t *testing.T) {
	ctx := context.Background()
	for _, frac := range []time.Duration{0, 100, 200, 300, 500 * time.Millisecond, time.Second - 100} {
		t.Run(fmt.Sprintf("+%dns", frac), func(t *testing.T) {
			f := newFixture(t)
			check := func(what, id string) {
				t.Helper()
				v, err := f.clean().Get(ctx, id)
				if err != nil {
					t.Fatalf("%s: Get() = %v", what, err)
				}
				purge := v.PurgeAt(session.DefaultPolicy)
				if got, want := numberAttr(t, f.raw(t, id), "ttl"), ceilSeconds(purge); got != want {
					t.Errorf("%s (%s, purged at %s): ttl = %d; want %d", what, v.Status, purge.Format(time.RFC3339Nano), got, want)
				}
			}
			f.clock.Set(t0.Add(frac))
			open := f.create(t, "m-1")
			check("created", open.ID)
			closed := f.create(t, "m-1")
			canceled := f.create(t, "m-1")
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			parent2 := f.create(t, "m-1")
			child2 := f.newDraftSession("m-1", parent2.ID)
			if _, _, err := f.st.Create(ctx, child2, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			check("child created", child.ID)

			f.clock.Advance(time.Minute + frac)
			if _, err := f.st.ApplyEvent(ctx, "", closed.ID, &session.Event{Status: session.Failed}); err != nil {
				t.Fatal(err)
			}
			check("closed by a processor", closed.ID)
			if _, err := f.st.Cancel(ctx, "m-1", canceled.ID, ""); err != nil {
				t.Fatal(err)
			}
			check("canceled by the merchant", canceled.ID)
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Fatal(err)
			}
			check("child authorised", child.ID)
			check("parent moved by its child", parent.ID)
			if _, err := f.st.Cancel(ctx, "m-1", parent2.ID, ""); err != nil {
				t.Fatal(err)
			}
			check("parent canceled", parent2.ID)
			check("child closed by its parent", child2.ID)

			f.clock.Set(open.ExpiresAt.Add(time.Minute))
			for _, k := range f.expiryKeys(t) {
				if k.ID != open.ID {
					continue
				}
				if ok, err := f.st.Expire(ctx, k); !ok || err != nil {
					t.Fatalf("Expire() = %v, %v; want true, nil", ok, err)
				}
			}
			check("expired by the sweeper", open.ID)
		})
	}
}
