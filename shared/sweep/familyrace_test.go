package sweep_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestProcessorRacesSweepOverFamilies: TestProcessorRacesSweep for a parent
// with an open child (docs/design.md §4: "A parent's close closes its open
// child, whatever closed the parent (... or expiry)", "A child can never
// reach AUTHORISED or SETTLED under a closed parent"). The sweep, past the
// guard band after both expiresAt (the child's is its parent's), races a
// processor's settlement, authorisation or a merchant's cancel of the
// parent or the child whose clock puts it just outside the band (it may
// land) or just inside it (it must not), and both sessions are swept
// (two separate writes). The sweep and the writers start together; which
// lands first varies between runs (logged), the rules hold for both. After
// the run: each family is a legal pair (one money at most: a child's money
// always shown by its parent, never beside an EXPIRED one), every 200 is
// what is stored, every refusal a 409 that changed nothing, each session
// closed by one entry, and the sweep's count is exactly the EXPIRED
// sessions stored (with the runs that finish what a run deferred); a
// second sweep finds nothing to do.
func TestProcessorRacesSweepOverFamilies(t *testing.T) {
	ctx := context.Background()
	type write struct {
		name    string
		onChild bool
		do      func(st *store.Store, id string) (*session.Session, error)
		// legal are the parent/child pairs after a 200 and after a 409.
		won, lost map[string]bool
	}
	event := func(s session.Status) func(st *store.Store, id string) (*session.Session, error) {
		return func(st *store.Store, id string) (*session.Session, error) {
			return st.ApplyEvent(ctx, "", id, &session.Event{Status: s})
		}
	}
	expired := map[string]bool{"EXPIRED/EXPIRED": true}
	writes := []write{
		{"parent SETTLED", false, event(session.Settled), map[string]bool{"SETTLED/CANCELED": true, "SETTLED/EXPIRED": true}, expired},
		{"parent AUTHORISED", false, event(session.Authorised), map[string]bool{"AUTHORISED/CANCELED": true, "AUTHORISED/EXPIRED": true}, expired},
		{"parent canceled by its merchant", false, func(st *store.Store, id string) (*session.Session, error) {
			return st.Cancel(ctx, "m-1", id, "")
		}, map[string]bool{"CANCELED/CANCELED": true, "CANCELED/EXPIRED": true}, expired},
		{"child SETTLED", true, event(session.Settled), map[string]bool{"SETTLED/SETTLED": true}, expired},
		{"child AUTHORISED", true, event(session.Authorised), map[string]bool{"AUTHORISED/AUTHORISED": true}, expired},
	}
	for _, band := range []struct {
		name string
		// the writer's clock against the families' expiresAt
		at      time.Duration
		mayLand bool
	}{
		{"writer just outside the band", -policy.WriteGuard - time.Second, true},
		{"writer inside the band", -policy.WriteGuard + time.Second, false},
	} {
		t.Run(band.name, func(t *testing.T) {
			f := newFixture(t)
			const perWrite = 8
			type family struct {
				parent, child string
				w             write
				err           error
				answer        *session.Session
			}
			var fams []*family
			amount := int64(100)
			f.clock.Set(t0.Add(-31 * time.Minute))
			for _, w := range writes {
				for i := 0; i < perWrite; i++ {
					p := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
					if _, _, err := f.st.Create(ctx, p, nil, 201, nil); err != nil {
						t.Fatal(err)
					}
					c := session.New(&session.Draft{Amount: &amount, Currency: "EUR", ParentSessionID: session.ParentID(p.ID)}, "m-1", uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
					if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
						t.Fatal(err)
					}
					fams = append(fams, &family{parent: p.ID, child: c.ID, w: w})
				}
			}
			expiresAt := t0.Add(-time.Minute)
			f.clock.Set(t0) // the sweep's: past every expiresAt by more than the band
			// A cancel refused in the band is made again at the band's end
			// (store.SettleWait), the families' expiresAt (the only band a
			// write here meets: their retention ends days later): the
			// writer's clock moves there at once. Not Advance(d): the 8
			// cancels share the clock, each d reckoned from a reading
			// another's move may have passed, so their moves overshot
			// expiresAt by minutes and then, reckoned from an overshot
			// reading, moved the clock back before the band, where a
			// cancel made again landed ("a write inside the band landed",
			// 3 runs of 30 with the store's read and the move a few ms
			// apart, r111-flakes13).
			procClock := storetest.NewClock(expiresAt.Add(band.at))
			proc := store.New(f.db, f.table, policy, 16, procClock.Now,
				store.SettleWait(func(context.Context, time.Duration) error { procClock.AdvanceTo(expiresAt); return nil }))

			var wg sync.WaitGroup
			var run1 = struct{ expired, skipped, errors, deferred int }{}
			for _, fm := range fams {
				wg.Add(1)
				go func(fm *family) {
					defer wg.Done()
					id := fm.parent
					if fm.w.onChild {
						id = fm.child
					}
					fm.answer, fm.err = fm.w.do(proc, id)
				}(fm)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := f.sw.Run(ctx)
				run1.expired, run1.skipped, run1.errors, run1.deferred = r.Expired, r.Skipped, r.Errors, r.Deferred
			}()
			wg.Wait()
			if run1.errors != 0 {
				t.Fatalf("sweep: %+v; want no errors", run1)
			}
			// A deferral is legal: the writers' transactions race the
			// sweep's on the same items, and a write DynamoDB refuses as
			// held by a running transaction (TransactionConflict, the
			// SDK's retries spent) is left for the next run (sweep.Result's
			// Deferred). The next runs, made here after the writers are
			// done, must then finish it: their expiries count with the
			// first run's.
			for more := 0; run1.deferred != 0; more++ {
				if more == 3 {
					t.Fatalf("sweep: %d sessions still deferred after %d more runs; want each run to finish what the race deferred", run1.deferred, more)
				}
				t.Logf("sweep: %d sessions deferred (held by a running transaction); running it again", run1.deferred)
				r := f.sw.Run(ctx)
				if r.Errors != 0 {
					t.Fatalf("sweep run %d: %+v; want no errors", more+2, r)
				}
				run1.expired += r.Expired
				run1.skipped += r.Skipped
				run1.deferred = r.Deferred
			}

			storedExpired, landed := 0, 0
			for _, fm := range fams {
				ps, ph := f.status(t, fm.parent)
				cs, ch := f.status(t, fm.child)
				pair := string(ps) + "/" + string(cs)
				for _, h := range [][]session.Change{ph, ch} {
					if closing := closings(h); closing != 1 {
						t.Errorf("%s: a session of %s/%s has %d closing entries %+v; want 1", fm.w.name, fm.parent, fm.child, closing, h)
					}
				}
				for _, s := range []session.Status{ps, cs} {
					if s == session.Expired {
						storedExpired++
					}
				}
				switch {
				case fm.err == nil:
					landed++
					target := ps
					if fm.w.onChild {
						target = cs
					}
					if !band.mayLand {
						t.Errorf("%s: a write inside the band landed: %s", fm.w.name, pair)
					}
					if fm.answer == nil || fm.answer.Status != target {
						t.Errorf("%s: answered %s; stored %s", fm.w.name, summaryOf(fm.answer), target)
					}
					if !fm.w.won[pair] {
						t.Errorf("%s answered 200: stored %s; want one of %v", fm.w.name, pair, fm.w.won)
					}
				default:
					if session.ErrorCode(fm.err) != session.ECONFLICT {
						t.Errorf("%s: refused %v (%s); want a 409", fm.w.name, fm.err, session.ErrorCode(fm.err))
					}
					if !fm.w.lost[pair] {
						t.Errorf("%s refused %s: stored %s; want one of %v", fm.w.name, session.ErrorReason(fm.err), pair, fm.w.lost)
					}
				}
			}
			if run1.expired != storedExpired {
				t.Errorf("the sweep counted %d expired; %d sessions stored EXPIRED", run1.expired, storedExpired)
			}
			if r := f.sw.Run(ctx); r.Expired != 0 || r.Found != 0 || r.Errors != 0 {
				t.Errorf("a second sweep: %+v; want nothing found", r)
			}
			t.Logf("%d families: %d writes landed, the sweep expired %d (skipped %d)", len(fams), landed, run1.expired, run1.skipped)
		})
	}
}

// closings counts the entries of a history that close the session.
func closings(h []session.Change) int {
	n := 0
	for _, c := range h {
		if !c.Status.Open() {
			n++
		}
	}
	return n
}

// summaryOf is an answer's status, or "no session".
func summaryOf(v *session.Session) string {
	if v == nil {
		return "no session"
	}
	return string(v.Status)
}
