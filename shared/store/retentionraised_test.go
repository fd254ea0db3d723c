package store_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestChangedRetentionBringsNoSessionBack: README, "A session read as
// `EXPIRED` or 404 never comes back", and "From the instant `retainUntil`
// on, the session does not exist for any endpoint (404), whether or not
// DynamoDB TTL has deleted it yet". A session that expired without being
// stored EXPIRED, and passed its retention (404), read EXPIRED again once
// RESULT_RETENTION was raised, until the new retention ended or TTL
// deleted the item at the old one (r88-sweep, on make run): reads judged
// an open session's end by the policy of the moment, while its item keeps
// the end it was written with. Then the end was never later than the
// item's, but a lowered retention still ended it earlier, so a session
// 404 under a lowered retention read EXPIRED again when the retention was
// raised back (a rollback), and, during a deploy, at an instance not yet
// changed, or once such an instance's sweeper stored its expiry
// (r91-lifecycle, on make run). An open session's end is now the one its
// item was written with, whatever the retention: every row is read under
// a lowered, the written and a raised retention, and all three must
// answer alike, so no sequence of retentions (instances or releases) can
// show a session gone at one instant and there at a later one.
//
// The day list reads the session as Get does (design §4: "no two endpoints
// disagree about a session"): it read its sessions without purgeAt, so
// after a raise it listed EXPIRED, until its index entry's listUntil + 1
// minute, a session Get answered 404 (r90-ttl, on make run).
func TestChangedRetentionBringsNoSessionBack(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.create(t, "m-1")
	old := session.DefaultPolicy.Retention
	oldEnd := session.Normalize(v.ExpiresAt.Add(old))
	with := func(retention time.Duration) *store.Store {
		p := session.DefaultPolicy
		p.Retention = retention
		return store.New(f.db, f.table, p, 16, f.clock.Now)
	}
	tests := []struct {
		name    string
		at      time.Time
		wantEnd time.Time // retainUntil read; zero: 404
	}{
		{"within the written end", oldEnd.Add(-time.Second), oldEnd},
		{"at the written end", oldEnd, time.Time{}},
		{"past the written end", oldEnd.Add(time.Minute), time.Time{}},
		{"within a lowered end", v.ExpiresAt.Add(old/3 - time.Second), oldEnd},
		{"at a lowered end", v.ExpiresAt.Add(old / 3), oldEnd},
	}
	for _, tt := range tests {
		for _, retention := range []time.Duration{old / 3, old, 4 * old} {
			t.Run(fmt.Sprintf("%s/RESULT_RETENTION=%v", tt.name, retention), func(t *testing.T) {
				f.clock.Set(tt.at)
				st := with(retention)
				var listed []*session.Session
				if _, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: v.CreatedAt}, func(s *session.Session) bool {
					listed = append(listed, s)
					return true
				}); err != nil {
					t.Fatal(err)
				}
				if n := len(listed); tt.wantEnd.IsZero() && n != 0 || !tt.wantEnd.IsZero() && (n != 1 || !listed[0].RetainUntil.Equal(tt.wantEnd)) {
					t.Errorf("ListByDay(): got %d listed (%v); want the session as Get reads it (retainUntil %v; zero: none)", n, listed, tt.wantEnd)
				}
				got, err := st.Get(ctx, v.ID)
				if tt.wantEnd.IsZero() {
					if session.ErrorCode(err) != session.ENOTFOUND {
						t.Fatalf("Get(): got status %s, error %v; want ENOTFOUND", statusOf(got), err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Get() = %v", err)
				}
				if got.Status != session.Expired || !got.RetainUntil.Equal(tt.wantEnd) {
					t.Errorf("Get(): got status %s, retainUntil %v; want EXPIRED, %v", got.Status, got.RetainUntil, tt.wantEnd)
				}
			})
		}
	}
}

func statusOf(v *session.Session) session.Status {
	if v == nil {
		return ""
	}
	return v.Status
}

// TestSweepPastTheWrittenEndIsLeftToPurge: README, on raising
// RESULT_RETENTION: a session that expired without being stored EXPIRED and
// passed the retention its item was written with stays 404, and each sweep
// finds it until the new retention's window passes. Its write is refused
// (the item's purgeAt has passed); it was counted skipped, which the
// sweeper's summary says of sessions "closed or expired by someone else in
// the meantime", though no one touched it. Expire now reports it as a
// session left to its purge (ErrNearPurge, counted LeftToPurge), and a
// session whose written end is still ahead is expired as before.
func TestSweepPastTheWrittenEndIsLeftToPurge(t *testing.T) {
	ctx := context.Background()
	old := session.DefaultPolicy.Retention
	raised := session.DefaultPolicy
	raised.Retention = 4 * old
	tests := []struct {
		name   string
		at     func(oldEnd time.Time) time.Time
		wantOK bool
		want   error
	}{
		{"before the written end", func(oldEnd time.Time) time.Time { return oldEnd.Add(-session.DefaultWriteGuard - time.Minute) }, true, nil},
		{"past the written end", func(oldEnd time.Time) time.Time { return oldEnd.Add(time.Minute) }, false, store.ErrNearPurge},
		{"within the band before the written end", func(oldEnd time.Time) time.Time { return oldEnd.Add(-time.Second) }, false, store.ErrNearPurge},
		// Refused for another reason (not yet past expiresAt plus the
		// band), with its written end ahead: no one's close, not left.
		{"not yet due", func(oldEnd time.Time) time.Time { return oldEnd.Add(-old) }, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			oldEnd := session.Normalize(v.ExpiresAt.Add(old))
			st := store.New(f.db, f.table, raised, 16, f.clock.Now)
			f.clock.Set(v.ExpiresAt.Add(time.Minute))
			var keys []store.ExpiryKey
			for shard := range st.Shards() {
				if _, err := st.Expired(ctx, shard, f.clock.Now(), 100, func(ks []store.ExpiryKey) bool {
					keys = append(keys, ks...)
					return true
				}); err != nil {
					t.Fatal(err)
				}
			}
			if len(keys) != 1 {
				t.Fatalf("expiry keys under the raised retention = %v; want the session's", keys)
			}
			f.clock.Set(tt.at(oldEnd))
			ok, err := st.Expire(ctx, keys[0])
			if ok != tt.wantOK || !errors.Is(err, tt.want) {
				t.Errorf("Expire() = %v, %v; want %v, %v", ok, err, tt.wantOK, tt.want)
			}
		})
	}
}

// TestSweptEndIsTheOneReadsReported: README, on the sweeper: it stores
// "exactly what reads already reported", and design §4: "A session read as
// `EXPIRED` or 404 never comes back". Reads give an open session its
// item's end (purgeAt) whatever RESULT_RETENTION an instance runs with;
// the sweeper's write set retainUntil, purgeAt and ttl to expiresAt + its
// own retention, so under a lowered one it cut short a retainUntil reads
// had shown (a session expiring later then ended before one expiring
// earlier, which the sweeper's window no longer found), and under a
// raised one, from a sweeper not yet updated in a stack update that lowers
// it, it kept in single reads a session the day list had dropped
// (r91-review). The swept session now keeps the end reads reported, in
// reads, the list and its ttl, whatever the sweeper's retention.
func TestSweptEndIsTheOneReadsReported(t *testing.T) {
	ctx := context.Background()
	old := session.DefaultPolicy.Retention
	for _, retention := range []time.Duration{old / 3, old, 4 * old} {
		t.Run(fmt.Sprintf("RESULT_RETENTION=%v", retention), func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			oldEnd := session.Normalize(v.ExpiresAt.Add(old))
			p := session.DefaultPolicy
			p.Retention = retention
			st := store.New(f.db, f.table, p, 16, f.clock.Now)
			f.clock.Set(v.ExpiresAt.Add(p.WriteGuard + time.Minute))
			before, err := st.Get(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			expireAll(t, st, f.clock.Now(), 1)
			after, err := st.Get(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !before.RetainUntil.Equal(oldEnd) || !after.RetainUntil.Equal(before.RetainUntil) {
				t.Errorf("retainUntil before the sweep, after it: got %v, %v; want %v, %v", before.RetainUntil, after.RetainUntil, oldEnd, oldEnd)
			}
			if got, want := numberAttr(t, f.raw(t, v.ID), "ttl"), oldEnd.Add(time.Second-1).Unix(); got != want {
				t.Errorf("stored ttl: got %v; want %v", got, want)
			}
			// README's table: purgeAt is "the instant it stops existing",
			// ttl "= purgeAt": the swept item keeps its purgeAt, which is
			// its retainUntil, whatever this sweeper's retention.
			var purge, retain string
			raw := f.raw(t, v.ID)
			if err := attributevalue.Unmarshal(raw["purgeAt"], &purge); err != nil {
				t.Fatal(err)
			}
			if err := attributevalue.Unmarshal(raw["retainUntil"], &retain); err != nil {
				t.Fatal(err)
			}
			if end, err := time.Parse(time.RFC3339Nano, purge); err != nil || purge != retain || !end.Equal(oldEnd) {
				t.Errorf("stored purgeAt, retainUntil: got %q, %q; want both the written end %v", purge, retain, oldEnd)
			}
			f.clock.Set(oldEnd.Add(-time.Second))
			if got, err := st.Get(ctx, v.ID); err != nil || got.Status != session.Expired {
				t.Errorf("Get() a second before the end: got %v, %v; want EXPIRED", statusOf(got), err)
			}
			f.clock.Set(oldEnd)
			if _, err := st.Get(ctx, v.ID); session.ErrorCode(err) != session.ENOTFOUND {
				t.Errorf("Get() at the end: got %v; want ENOTFOUND", err)
			}
		})
	}
}
