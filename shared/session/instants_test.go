package session

import (
	"fmt"
	"testing"
	"time"
)

// TestUnsweptAndSweptAgreeOnPurge: docs/design.md §4, "An open session is
// expired from the instant `expiresAt` is reached (`now >= expiresAt`),
// whether or not the sweeper has written it", "`retainUntil = closedAt +
// RESULT_RETENTION`. From that instant the session does not exist for any
// endpoint", and "Times are exact to 100 ns and every endpoint reads them
// with the same rules, so no two endpoints disagree about a session". The
// expiry the sweeper stores carries retainUntil at 100 ns (ExpiryOf);
// RESULT_RETENTION is any Go duration (config.Load reads it with
// time.ParseDuration: "15m50ns" is accepted). At every instant around the
// end of retention, an unswept session must read exactly as the swept one:
// found with the same retainUntil, or gone for both; and a session that is
// found is never past its own retainUntil.
func TestUnsweptAndSweptAgreeOnPurge(t *testing.T) {
	for _, retention := range []time.Duration{15 * time.Minute, 15*time.Minute + time.Nanosecond, 15*time.Minute + 50, 15*time.Minute + 99, time.Second + 250} {
		t.Run(retention.String(), func(t *testing.T) {
			p := Policy{Expiry: 30 * time.Minute, Retention: retention, WriteGuard: DefaultWriteGuard}
			for _, born := range []time.Time{t0, t0.Add(30), time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC)} {
				open := New(&Draft{Amount: amount(1), Currency: "EUR"}, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", born, p)
				// The session as the sweeper stores it: ExpiryOf.
				swept := open.Clone()
				swept.expire(p)
				exact := open.ExpiresAt.Add(retention)
				for _, now := range []time.Time{exact.Add(-100), exact.Add(-50), exact.Add(-1), exact, exact.Add(1), swept.RetainUntil.Add(-1), swept.RetainUntil, swept.RetainUntil.Add(1)} {
					u, uerr := open.At(now, p)
					s, serr := swept.At(now, p)
					got, want := describe(u, uerr), describe(s, serr)
					if got != want {
						t.Errorf("born %s, at %s: unswept reads %s; swept reads %s", born.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano), got, want)
					}
					if uerr == nil && !now.Before(u.RetainUntil) {
						t.Errorf("born %s, at %s: unswept session found with retainUntil %s, already past", born.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano), u.RetainUntil.Format(time.RFC3339Nano))
					}
					if !now.Before(open.PurgeAt(p)) != !now.Before(swept.PurgeAt(p)) {
						t.Errorf("born %s, at %s: PurgeAt open %s; swept %s", born.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano), open.PurgeAt(p).Format(time.RFC3339Nano), swept.PurgeAt(p).Format(time.RFC3339Nano))
					}
				}
			}
		})
	}
}

func describe(v *Session, err error) string {
	if err != nil {
		return string(ErrorCode(err))
	}
	return fmt.Sprintf("%s closedAt=%s retainUntil=%s", v.Status, v.ClosedAt.Format(time.RFC3339Nano), v.RetainUntil.Format(time.RFC3339Nano))
}
