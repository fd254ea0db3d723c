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
// the domain takes a Policy as given, RESULT_RETENTION of any precision
// (config.Load once admitted "15m50ns"; it now admits whole milliseconds,
// but the domain does not rely on it). At every instant around the
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

// TestEveryWriteRuleJudgesOneInstant: docs/design.md §4, "writes are
// refused during a guard band (`WRITE_GUARD`, default 5 s) before
// `expiresAt` and before `retainUntil`; write conditions are built with the
// clock plus the band", and "no two endpoints disagree about a session". A write made at now is
// judged at one instant, whoever judges it: the session's own rule
// (writable, through Cancel or Apply), its parent's and its child's
// (Adopt, ApplyToChild and propagate, CloseChild), and the store's
// condition (expiresAt > WriteAt(now), written at 100 ns). Before, writable
// added the band to the clock kept to 100 ns, the others to the clock as
// read: with a band off the 100 ns grid (a Policy the domain takes as
// given; config.Load admitted WRITE_GUARD=5.00000005s) a child took a
// merchant's cancel that its parent's close refused, took an
// authorisation that ApplyToChild refused PARENT_CLOSED, and the store's
// condition refused the write the domain allowed (CONCURRENT_UPDATE on a
// frozen clock). Bands on the grid are the control.
func TestEveryWriteRuleJudgesOneInstant(t *testing.T) {
	for _, guard := range []time.Duration{5*time.Second + 50, time.Second + 1, 5*time.Second + 99, 2400 * time.Millisecond, DefaultWriteGuard} {
		t.Run(guard.String(), func(t *testing.T) {
			p := Policy{Expiry: 30 * time.Minute, Retention: 15 * time.Minute, WriteGuard: guard}
			parent := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", t0, p)
			child := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), p)
			if err := Adopt(parent, child, nil, t0.Add(time.Minute), p); err != nil {
				t.Fatal(err)
			}
			if !child.ExpiresAt.Equal(parent.ExpiresAt) {
				t.Fatalf("child expires at %s; parent at %s", child.ExpiresAt, parent.ExpiresAt)
			}
			edge := child.ExpiresAt.Add(-guard)
			for d := time.Duration(-150); d <= 150; d++ {
				now := edge.Add(d)
				// The child's own rule: a merchant's cancel.
				want := child.Clone().Cancel("", now, p) == nil
				if parentOwn := parent.Clone().Cancel("", now, p) == nil; parentOwn != want {
					t.Fatalf("at %s: the parent's cancel %v, the child's %v (they expire together)", now.Format(time.RFC3339Nano), parentOwn, want)
				}
				c, par := child.Clone(), parent.Clone()
				applied, moved, err := ApplyToChild(c, par, &Event{Status: Authorised}, now, p)
				other := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000002", "tok", now, p)
				got := map[string]bool{
					"CloseChild":                     CloseChild(child.Clone(), now, p),
					"ApplyToChild AUTHORISED":        err == nil && applied,
					"propagate (the parent follows)": moved,
					"Adopt (the parent is written)":  Adopt(parent.Clone(), other, nil, now, p) == nil,
					// store.Txn's condition: expiresAt > WriteAt(now),
					// formatted at 100 ns (its timeLayout).
					"the store's condition": child.ExpiresAt.After(Normalize(p.WriteAt(now))),
				}
				for rule, ok := range got {
					if ok != want {
						t.Errorf("at band edge %+dns: %s allows %v; the child's own rule %v", d, rule, ok, want)
					}
				}
			}
		})
	}
}
