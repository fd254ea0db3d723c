package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestTwoConfigurationsReadAlikeAtEveryEdge: docs/design.md §4, "every
// endpoint reads them with the same rules, so no two endpoints disagree
// about a session", and README, Configuration: a session's expiresAt and
// end are its item's, "at every instance whatever retention each runs
// with: in single reads, in the list, and when the sweeper stores its
// expiry". Two stores on one table, one with the defaults and one with
// SESSION_EXPIRY 10m, RESULT_RETENTION 2m and WRITE_GUARD 1s (r110-lifecycle
// ran make run with 30 s, 20 s and 2 s beside make run with 10 s, 8 s and
// 1 s and make start-api with 20 s, 12 s and 1.5 s on one table, each
// sweeping every second): sessions and families made, changed, canceled
// and swept by either, read by both at 100 ns before and at each instant
// either could judge them by (expiresAt, the end of retention, each
// store's ListUntil), answer alike at the
// native read (Get), document 004's (GetRecord), document 003's (a parent
// with its child, a child alone) and the day's list.
func TestTwoConfigurationsReadAlikeAtEveryEdge(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	short := session.DefaultPolicy
	short.Expiry, short.Retention, short.WriteGuard = 10*time.Minute, 2*time.Minute, time.Second
	policies := map[string]session.Policy{"A": session.DefaultPolicy, "B": short}
	stores := map[string]*store.Store{}
	for name, p := range policies {
		stores[name] = store.New(f.db, f.table, p, 16, f.clock.Now)
	}
	type step struct {
		at     time.Duration // after the parent's creation
		by     string
		child  bool   // to the child, else the parent
		action string // a status, "cancel" or "sweep"
	}
	tests := []struct {
		name              string
		parentBy, childBy string // childBy "": no child
		steps             []step
	}{
		{"A made, untouched", "A", "", nil},
		{"B made, untouched", "B", "", nil},
		{"A made, B authorises, A settles", "A", "", []step{{time.Minute, "B", false, "AUTHORISED"}, {2 * time.Minute, "A", false, "SETTLED"}}},
		{"B made, A authorises, B cancels", "B", "", []step{{time.Minute, "A", false, "AUTHORISED"}, {2 * time.Minute, "B", false, "cancel"}}},
		{"A made, B's PROCESSING", "A", "", []step{{time.Minute, "B", false, "PROCESSING"}}},
		{"A made, swept by B", "A", "", []step{{30*time.Minute + time.Second, "B", false, "sweep"}}},
		{"B made, swept by A", "B", "", []step{{10*time.Minute + 5*time.Second, "A", false, "sweep"}}},
		{"A parent, B child, untouched", "A", "B", nil},
		{"A parent, B child authorised by A, settled by B", "A", "B", []step{{time.Minute, "A", true, "AUTHORISED"}, {2 * time.Minute, "B", true, "SETTLED"}}},
		{"B parent, A child authorised by A, the parent canceled by B", "B", "A", []step{{time.Minute, "A", true, "AUTHORISED"}, {2 * time.Minute, "B", false, "cancel"}}},
	}
	day := t0.Add(time.Hour)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merchant := "m-" + uuid.NewString()
			create := func(by string, parent string, at time.Time) *session.Session {
				f.clock.Set(at)
				v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: session.ParentID(parent)}, merchant, uuid.NewString(), "tok", at, policies[by])
				if _, _, err := stores[by].Create(ctx, v, nil, 0, nil); err != nil {
					t.Fatal(err)
				}
				return v
			}
			ids := []string{create(tt.parentBy, "", day).ID}
			if tt.childBy != "" {
				ids = append(ids, create(tt.childBy, ids[0], day.Add(time.Second)).ID)
			}
			for _, s := range tt.steps {
				f.clock.Set(day.Add(s.at))
				id := ids[0]
				if s.child {
					id = ids[1]
				}
				var err error
				switch s.action {
				case "cancel":
					_, err = stores[s.by].Cancel(ctx, merchant, id, "Buyer changed their mind.")
				case "sweep":
					err = fmt.Errorf("the %s sweeper found no entry", s.by)
					for _, k := range f.expiryKeysOf(t, stores[s.by]) {
						if k.ID == id {
							if ok, xerr := stores[s.by].Expire(ctx, k); !ok || xerr != nil {
								t.Fatalf("Expire() = %v, %v; want true, nil", ok, xerr)
							}
							err = nil
						}
					}
				default:
					_, err = stores[s.by].ApplyEvent(ctx, "", id, &session.Event{Status: session.Status(s.action)})
				}
				if err != nil {
					t.Fatalf("%+v: %v", s, err)
				}
			}
			// Reads take no band: an item's ends, and the instant each store's
			// list query drops its entry.
			edges := map[time.Time]bool{}
			for _, id := range ids {
				v, err := stores["A"].Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range []time.Time{v.ExpiresAt, v.PurgeAt(session.DefaultPolicy), stores["A"].ListUntil(v), stores["B"].ListUntil(v)} {
					edges[e.Add(-100*time.Nanosecond)], edges[e] = true, true
				}
			}
			for at := range edges {
				f.clock.Set(at)
				f.expectReadAlike(t, stores, merchant, ids, day, at)
			}
		})
	}
}

// expectReadAlike reads sessions ids (a parent and its child, or one
// session, made on day) through every store and route at the fixture's
// clock and fails on any answer that is not the first store's Get of
// that session.
func (f *fixture) expectReadAlike(t *testing.T, stores map[string]*store.Store, merchant string, ids []string, day, at time.Time) {
	t.Helper()
	ctx := context.Background()
	gone := fmt.Sprint(pollResult{code: session.ENOTFOUND})
	wants := map[string]string{}
	for _, id := range ids {
		wants[id] = fmt.Sprint(outcome(stores["A"].Get(ctx, id)))
	}
	for _, name := range []string{"A", "B"} {
		st := stores[name]
		listed := map[string]string{}
		if _, err := st.ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: day}, func(v *session.Session) bool {
			listed[v.ID] = fmt.Sprint(pollResult{status: v.Status})
			return true
		}); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			want := wants[id]
			answers := map[string]string{
				"Get":       fmt.Sprint(outcome(st.Get(ctx, id))),
				"GetRecord": fmt.Sprint(outcome(st.GetRecord(ctx, merchant, id))),
				"the list":  gone,
			}
			if s, ok := listed[id]; ok {
				answers["the list"] = s
			}
			v, child, err := st.GetWithChild(ctx, merchant, id)
			answers["GetWithChild"] = fmt.Sprint(outcome(v, err))
			if i == 0 && len(ids) > 1 && err == nil {
				answers["GetWithChild's child"] = gone
				if child != nil {
					answers["GetWithChild's child"] = fmt.Sprint(outcome(child, nil))
				}
			}
			for route, got := range answers {
				want := want
				if route == "GetWithChild's child" {
					want = wants[ids[1]]
				}
				if got != want {
					t.Errorf("at %s, session %d at store %s: %s = %s; want %s, as Get at store A", at.Format(time.RFC3339Nano), i, name, route, got, want)
				}
			}
		}
	}
}
