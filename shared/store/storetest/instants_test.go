package storetest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestExactInstantsOnBothStores pins docs/design.md §4's instants to the
// nanosecond on store.Store (DynamoDB Local) and storetest.Memory, for a
// session created at the last nanosecond of a UTC day (kept to 100 ns: its
// createdAt is 23:59:59.9999999, still that day): "An open session is
// expired from the instant `expiresAt` is reached (`now >= expiresAt`)";
// "writes are refused during a guard band (`WRITE_GUARD`, default 5 s)
// before `expiresAt`"; "`retainUntil = closedAt + RESULT_RETENTION`. From
// that instant the session does not exist for any endpoint"; and §6, the
// list answers "all the caller's sessions created on `createdDate` (a UTC
// day)": on that day only, though it expires on the next.
func TestExactInstantsOnBothStores(t *testing.T) {
	real, mem := newContractRuns(t)
	for name, r := range map[string]*contractRun{"store": real, "memory": mem} {
		t.Run(name, func(t *testing.T) {
			p := r.st.Policy()
			r.clock.Set(time.Date(2026, 11, 30, 23, 59, 59, 999999999, time.UTC))
			for n := 1; n <= 2; n++ {
				if got := r.create(n, "m-1", 0, nil); !strings.HasPrefix(got, "body ") {
					t.Fatalf("create %d: %s", n, got)
				}
			}
			v, err := r.st.Get(ctx, id(1))
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2026, 11, 30, 23, 59, 59, 999999900, time.UTC); !v.CreatedAt.Equal(want) {
				t.Fatalf("createdAt = %s; want %s", v.CreatedAt.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
			exp := v.ExpiresAt
			purge := exp.Add(p.Retention)
			for _, tt := range []struct {
				at   time.Time
				want string // status, or "" for not found
			}{
				{exp.Add(-1), string(session.Created)},
				{exp, string(session.Expired)},
				{exp.Add(1), string(session.Expired)},
				{purge.Add(-1), string(session.Expired)},
				{purge, ""},
				{purge.Add(1), ""},
			} {
				r.clock.Set(tt.at)
				v, err := r.st.Get(ctx, id(1))
				got := ""
				if err == nil {
					got = string(v.Status)
				} else if session.ErrorCode(err) != session.ENOTFOUND {
					t.Fatalf("Get at %s = %v", tt.at.Format(time.RFC3339Nano), err)
				}
				if got != tt.want {
					t.Errorf("Get at %s = %q; want %q", tt.at.Format(time.RFC3339Nano), got, tt.want)
				}
			}
			// The band: a write at expiresAt - WRITE_GUARD - 1 ns is taken,
			// one at expiresAt - WRITE_GUARD is refused.
			r.clock.Set(exp.Add(-p.WriteGuard - 1))
			if got := r.event(2, session.Processing, "e1"); !strings.HasPrefix(got, "{") {
				t.Errorf("event 1 ns before the band: %s; want it applied", got)
			}
			r.clock.Set(exp.Add(-p.WriteGuard))
			if got := r.event(2, session.Sent, "e2"); !strings.Contains(got, session.ReasonSessionExpired) {
				t.Errorf("event at the band: %s; want %s", got, session.ReasonSessionExpired)
			}
			// Listed on its own day, while it exists, never on the next.
			r.clock.Set(exp.Add(time.Minute))
			if got := r.list("m-1", "2026-11-30", 0, "", 0, ""); strings.Count(got, `\"id\"`) != 2 {
				t.Errorf("list 2026-11-30 after midnight: %s; want both sessions", got)
			}
			if got := r.list("m-1", "2026-12-01", 0, "", 0, ""); !strings.HasPrefix(got, "listed [] next=false") {
				t.Errorf("list 2026-12-01: %s; want nothing", got)
			}
		})
	}
}
