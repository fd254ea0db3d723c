package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListWalkWhileSessionsExpireAndGo: document 004's day list, "List of
// session records returned successfully", walked page by page while time
// passes between pages, so sessions ahead of the cursor expire, pass their
// retention and leave the list index's window (its listUntil, a minute of
// margin past it) during the walk. docs/design.md §6: "The list answers a
// JSON array of **all** the caller's sessions created on `createdDate`";
// README: "Sessions past their retention never appear". Each page is read
// at a later age of the sessions it reaches (14 to 48 minutes), so the
// walk meets every kind at every instant that matters: open ones at and
// past expiresAt (30 min) and their end (45 min), ones failed at once
// (gone at 15 min), ones authorised during their life, and ones settled
// after their expiresAt, whose listUntil moved later (authorised at 29 min,
// settled at 35 min: kept until 50 min, past the creation value's 45 min
// and its minute of margin). Each listed session is as a single read
// finds it at its page's instant; none is listed twice or out of creation
// order; and a session left out had gone by the instant of the page that
// passed it (gone stays gone, so the later page's instant is a sound
// bound).
func TestListWalkWhileSessionsExpireAndGo(t *testing.T) {
	ctx := context.Background()
	p := session.DefaultPolicy
	const n = 60
	for _, limit := range []int{1, 3, 7} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			f := newListFixture(t)
			var vs []*session.Session
			for i := range n {
				created := t0.Add(time.Duration(i)*20*time.Second + time.Duration(i*7919%1000)*time.Millisecond)
				v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", created, p)
				var events []change
				switch i % 4 {
				case 1: // failed at once: gone 15 minutes later
					events = append(events, change{time.Second, session.Failed})
				case 2: // authorised during its life
					events = append(events, change{time.Duration(i%29) * time.Minute, session.Authorised})
				case 3: // settled after its expiresAt: listUntil moves later
					events = append(events,
						change{29 * time.Minute, session.Authorised},
						change{35 * time.Minute, session.Settled})
				}
				for _, e := range events {
					if _, err := v.Apply(&session.Event{Status: e.status}, created.Add(e.after), p); err != nil {
						t.Fatalf("session %d: %s: %v", i, e.status, err)
					}
				}
				vs = append(vs, v)
			}
			if err := f.st.ImportAll(ctx, vs); err != nil {
				t.Fatal(err)
			}
			order := map[string]int{}
			for i, v := range vs {
				order[v.ID] = i
			}
			exists := func(i int, at time.Time) (*session.Session, bool) {
				v, err := vs[i].At(at, p)
				return v, err == nil
			}

			type page struct {
				at   time.Time
				last int // order of the last session listed, -1 for none
			}
			var walked []page
			var got []string
			q := store.ListQuery{MerchantID: "m-1", Day: t0, Limit: limit}
			for k := 0; ; k++ {
				if k > n+1 {
					t.Fatalf("more than %d pages", k)
				}
				// The page reaches the session after the last one listed at an
				// age from 14 minutes (the first) to 49.5 (the last).
				reach := 0
				if len(walked) > 0 {
					reach = min(walked[len(walked)-1].last+1, n-1)
				}
				at := vs[reach].CreatedAt.Add(min(14*time.Minute+time.Duration(reach)*36*time.Minute/n, 49*time.Minute+30*time.Second))
				if at.Before(f.clock.Now()) {
					at = f.clock.Now()
				}
				f.clock.Set(at)
				var ids []string
				next, err := f.st.ListByDay(ctx, q, func(v *session.Session) bool {
					i, ok := order[v.ID]
					if !ok {
						t.Fatalf("listed %s, not a session of the day", v.ID)
					}
					want, ok := exists(i, at)
					switch {
					case !ok:
						t.Errorf("page %d at %s: session %d listed; it is gone then", k, at.Format(time.TimeOnly), i)
					case v.Status != want.Status || !v.UpdatedAt.Equal(want.UpdatedAt):
						t.Errorf("page %d at %s: session %d listed %s, updated %s; a single read finds %s, updated %s", k, at.Format(time.TimeOnly), i, v.Status, v.UpdatedAt, want.Status, want.UpdatedAt)
					}
					ids = append(ids, v.ID)
					return true
				})
				if err != nil {
					t.Fatalf("page %d: %v", k, err)
				}

				if len(ids) > limit {
					t.Fatalf("page %d: %d sessions; want at most %d", k, len(ids), limit)
				}
				last := -1
				if len(ids) > 0 {
					last = order[ids[len(ids)-1]]
				}
				walked = append(walked, page{at, last})
				got = append(got, ids...)
				if next == "" {
					break
				}
				q.Cursor = next
			}
			var listed []int
			for _, id := range got {
				listed = append(listed, order[id])
			}
			if !slices.IsSorted(listed) || len(slices.Compact(slices.Clone(listed))) != len(listed) {
				t.Fatalf("listed %v; want each session once, in creation order", listed)
			}
			for i := range vs {
				if slices.Contains(listed, i) {
					continue
				}
				// The first page whose last listed session comes after i passed
				// it (or the last page, which ended the day).
				k := slices.IndexFunc(walked, func(pg page) bool { return pg.last > i })
				if k < 0 {
					k = len(walked) - 1
				}
				if v, ok := exists(i, walked[k].at); ok {
					t.Errorf("session %d (created %s, %s) left out; page %d at %s passed it while a single read finds it %s", i, vs[i].CreatedAt.Format(time.TimeOnly), vs[i].Status, k, walked[k].at.Format(time.TimeOnly), v.Status)
				}
			}
			t.Logf("%d pages, %d of %d sessions listed", len(walked), len(got), n)
		})
	}
}

// change is a status a session moved to, after its creation.
type change struct {
	after  time.Duration
	status session.Status
}
