package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestRaisedRetentionBringsNoSessionBackToTheList: docs/design.md §4, "An
// open session's end is never later than the one its item was written with
// (its `purgeAt`, which `ttl` follows) ... so a session already gone never
// comes back", and "every endpoint reads them with the same rules, so no two
// endpoints disagree about a session". On make run (r90-ttl): a session
// created under RESULT_RETENTION=20s and never swept, read after a restart
// with 60s past its written end, was 404 on every single read but listed
// EXPIRED by GET /pps/api/v1/session-record?createdDate=: ListByDay read
// its sessions without purgeAt, so it judged the open item's end by the
// policy of the moment (TestRaisedRetentionBringsNoSessionBack is Get's).
func TestRaisedRetentionBringsNoSessionBackToTheList(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.create(t, "m-1")
	old := session.DefaultPolicy.Retention
	oldEnd := session.Normalize(v.ExpiresAt.Add(old))
	p := session.DefaultPolicy
	p.Retention = 4 * old
	raised := store.New(f.db, f.table, p, 16, f.clock.Now)
	for _, at := range []time.Time{oldEnd, oldEnd.Add(time.Minute)} {
		f.clock.Set(at)
		if got, err := raised.Get(ctx, v.ID); session.ErrorCode(err) != session.ENOTFOUND {
			t.Fatalf("at the old end +%v: Get(): status %s, error %v; want ENOTFOUND", at.Sub(oldEnd), statusOf(got), err)
		}
		var listed []*session.Session
		if _, err := raised.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: v.CreatedAt}, func(s *session.Session) bool {
			listed = append(listed, s)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range listed {
			t.Errorf("at the old end +%v: listed %s %s (retainUntil %v), which Get answers 404", at.Sub(oldEnd), s.ID, s.Status, s.RetainUntil)
		}
	}
}
