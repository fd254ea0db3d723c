package session

import (
	"testing"
	"time"
)

// TestExpiredViewIsTheSweepersExpiry: docs/design.md §4, "every read
// reports `EXPIRED` with `closedAt = expiresAt` and a history entry at
// `expiresAt`", "`retainUntil = closedAt + RESULT_RETENTION`", "An open
// session's end is the one its item was written with (its `purgeAt` ...)
// ... the sweeper's `EXPIRED` keeps the item's end", and "Times are exact to
// 100 ns". The sweeper stores ExpiryOf; a read of an unswept session makes
// its own view (At). Both must be the same session, and the end a read
// gives an open session (PurgeAt) must be the retainUntil it is stored
// with. TestUnsweptAndSweptAgreeOnPurge compares At with expire, which
// takes its end from PurgeAt itself, so a PurgeAt that dropped the 100 ns
// rounding or ignored PurgeBy, an ExpiryOf that added SESSION_EXPIRY or
// gave another reason, and an expire that took ExpiryOf's end over the
// item's, each passed every test of this package (r94-mutate).
func TestExpiredViewIsTheSweepersExpiry(t *testing.T) {
	tests := []struct {
		name      string
		retention time.Duration
		purgeBy   time.Duration // after expiresAt; 0: not known
	}{
		{"default retention", 15 * time.Minute, 0},
		{"retention off the 100 ns grid", 15*time.Minute + 50, 0},
		{"short retention off the grid", time.Second + 250, 0},
		{"item written with a longer retention", 15 * time.Minute, 20 * time.Minute},
		{"item written with a shorter retention", 15*time.Minute + 50, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Policy{Expiry: 30 * time.Minute, Retention: tt.retention, WriteGuard: DefaultWriteGuard}
			open := New(&Draft{Amount: amount(1), Currency: "EUR"}, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", t0.Add(30), p)
			// retainUntil = expiresAt + RESULT_RETENTION, kept to 100 ns.
			wantEnd := open.ExpiresAt.Add(tt.retention - tt.retention%100)
			if tt.purgeBy != 0 {
				open.PurgeBy = open.ExpiresAt.Add(tt.purgeBy)
				wantEnd = open.PurgeBy
			}
			e := ExpiryOf(open.ExpiresAt, p)
			checks := []struct {
				what      string
				got, want any
			}{
				{"ExpiryOf status", e.Status, Expired},
				{"ExpiryOf reason", e.Reason, ReasonExpiredText},
				{"ExpiryOf closedAt", e.ClosedAt, open.ExpiresAt},
				{"ExpiryOf retainUntil", e.RetainUntil, open.ExpiresAt.Add(tt.retention - tt.retention%100)},
				{"ExpiryOf history entry", e.Change, Change{Status: Expired, Reason: ReasonExpiredText, At: open.ExpiresAt}},
				{"PurgeAt of the open session", open.PurgeAt(p), wantEnd},
			}
			v, err := open.At(open.ExpiresAt, p)
			if err != nil {
				t.Fatalf("At(expiresAt) = %v; want the session EXPIRED", err)
			}
			checks = append(checks, []struct {
				what      string
				got, want any
			}{
				{"read status", v.Status, e.Status},
				{"read statusReason", v.StatusReason, e.Reason},
				{"read closedAt", v.ClosedAt, e.ClosedAt},
				{"read updatedAt", v.UpdatedAt, e.ClosedAt},
				{"read retainUntil", v.RetainUntil, wantEnd},
				{"read history entry", v.History[len(v.History)-1], e.Change},
				{"read purgeBy (open sessions only)", v.PurgeBy, time.Time{}},
			}...)
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v; want %v", c.what, c.got, c.want)
				}
			}
			if _, err := open.At(wantEnd.Add(-100), p); err != nil {
				t.Errorf("At(100 ns before %s) = %v; want the session found", wantEnd.Format(time.RFC3339Nano), err)
			}
			if _, err := open.At(wantEnd, p); ErrorCode(err) != ENOTFOUND {
				t.Errorf("At(%s): got %v; want %s", wantEnd.Format(time.RFC3339Nano), err, ENOTFOUND)
			}
		})
	}
}
