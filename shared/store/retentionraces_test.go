package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMoneyRacesAtTheRetentionBand: docs/design.md §4, "writes are refused
// during a guard band (WRITE_GUARD, default 5 s) before expiresAt and
// before retainUntil", "A session read as EXPIRED or 404 never comes back", "A
// parent that shows its child's money ... follows the child's later
// changes ..., in the same transaction", "So a parent never shows a
// success word for money its child no longer holds", and "A child
// already AUTHORISED ... may still settle while the parent shows that
// money ..., never once the parent is CANCELED, FAILED, CANCEL_REQUESTED
// or FRAUD_CANCELLATION_REQUESTED". TestFamilyAtTheParentsInstants walks
// these instants one request at a time and TestContainersRaceAtTheInstants
// races around expiresAt; here a family whose parent shows its AUTHORISED
// child's money is raced on at once, by containers whose clocks are apart
// (within maxClockLead), around the guard band before the family's
// retainUntil: the child's settlement (one eventId from two containers),
// its cancel request by the merchant, a processor's CANCELED of it, a
// fraud cancellation and a settlement of the parent by its own processor,
// and reads of the pair at one instant. Each round, on every snapshot read
// and on the family as stored afterwards:
//   - a parent whose status its child set (its reason names the child)
//     has the child's status;
//   - no child took money (SETTLED) under a parent canceled, failed or
//     whose cancellation was requested;
//   - each eventId is in a history at most once, every history is a legal
//     sequence, oldest first;
//   - every answer that changed a session is the start of its history as
//     stored; a refusal is a 409 the contract names or a 404 from a
//     container whose clock is in the band before the session's end
//     (retainUntil only moves later), or, for a write, whose decision
//     was carried to a later container's instant by a change it read;
//   - once the clock reaches each session's retainUntil as the round
//     stored it, every container reads it 404.
func TestMoneyRacesAtTheRetentionBand(t *testing.T) {
	ctx := context.Background()
	guard := 30 * time.Second
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: 5 * time.Minute, WriteGuard: guard}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	offsets := []time.Duration{0, 450 * time.Millisecond, -450 * time.Millisecond}
	stores := containerStores(db, table, policy, clock, offsets, noSettleWait)
	allowed := map[string]bool{
		session.ReasonInvalidTransition: true, session.ReasonParentClosed: true, session.ReasonConcurrentUpdate: true,
	}
	edges := []time.Duration{-time.Second, -500 * time.Millisecond, -100 * time.Nanosecond, 0, 100 * time.Nanosecond, 500 * time.Millisecond}
	for round, d := range edges {
		merchant := fmt.Sprintf("m-%d", round)
		clock.Set(t0.Add(time.Duration(round)*time.Hour + 123456700))
		p := newSession(merchant, "", clock.Now(), policy)
		if _, _, err := stores[0].Create(ctx, p, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		c := newSession(merchant, p.ID, clock.Now(), policy)
		if _, _, err := stores[0].Create(ctx, c, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute + 300*time.Millisecond)
		if _, err := stores[0].ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth"}); err != nil {
			t.Fatal(err)
		}
		par, err := stores[0].Get(ctx, p.ID)
		if err != nil || par.Status != session.Authorised {
			t.Fatalf("round %d: parent after its child's AUTHORISED = %v, %v", round, par, err)
		}
		ch, err := stores[0].Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		retainUntil := par.RetainUntil
		bandOf := map[string]time.Time{p.ID: par.RetainUntil.Add(-guard), c.ID: ch.RetainUntil.Add(-guard)}
		clock.Set(retainUntil.Add(-guard + d))
		// A 404 is right only from a container whose clock is in the
		// session's band before its end (or past it).
		notFound := func(st int, id string) bool {
			return !clock.Now().Add(offsets[st]).Before(bandOf[id])
		}
		// A write is decided again at the instant of the latest change it
		// read, when that is later than its own clock (docs/design.md §8:
		// "A change is made no earlier than the latest change it read";
		// Store.Transact's floor): a container behind that read what one
		// ahead wrote decides at that container's clock. Its 404 is then
		// right once the latest clock is in the band: the CI run of
		// c11fcd8 met one, container 2's CANCELED of the child decided at
		// container 1's instant, after container 1's fraud cancellation of
		// the parent (its end moved on by container 2's own SETTLED).
		latest := slices.Max(offsets)
		writeNotFound := func(st int, id string) bool {
			return notFound(st, id) || !clock.Now().Add(latest).Before(bandOf[id])
		}

		var mu sync.Mutex
		var bad storetest.Failures
		fail := bad.Add
		var changed []*session.Session
		answer := func(what string, st int, id string, v *session.Session, err error) {
			switch {
			case err == nil:
				mu.Lock()
				changed = append(changed, v.Clone())
				mu.Unlock()
			case session.ErrorCode(err) == session.ENOTFOUND && writeNotFound(st, id):
			case session.ErrorCode(err) == session.ECONFLICT && allowed[session.ErrorReason(err)]:
			default:
				fail("%s: %v (%s)", what, err, session.ErrorReason(err))
			}
		}
		ev := func(st int, id string, s session.Status, eventID string) func() {
			return func() {
				v, err := stores[st].ApplyEvent(ctx, "", id, &session.Event{Status: s, EventID: session.EventID(eventID)})
				answer(fmt.Sprintf("container %d: %s on %s", st, s, id), st, id, v, err)
			}
		}
		ops := []func(){
			ev(0, c.ID, session.Settled, "settle"),
			ev(1, c.ID, session.Settled, "settle"),
			ev(2, c.ID, session.Canceled, "cancel-child"),
			ev(1, p.ID, session.FraudCancellationRequested, "fraud"),
			ev(2, p.ID, session.Settled, "settle-parent"),
			func() {
				v, err := stores[1].Cancel(ctx, merchant, c.ID, "")
				answer("child cancel", 1, c.ID, v, err)
			},
		}
		for st := range stores {
			ops = append(ops, func() {
				for range 3 {
					pv, cv, err := stores[st].GetWithChild(ctx, merchant, p.ID)
					switch {
					case session.ErrorCode(err) == session.ENOTFOUND && notFound(st, p.ID):
					case err != nil:
						fail("container %d: GetWithChild: %v", st, err)
					default:
						checkMoneyShown(pv, cv, fail)
					}
				}
			})
		}
		runAtOnce(ops)
		bad.Report(t, fmt.Sprintf("round %d (retainUntil-band%+v): ", round, d))

		pf, cf := rawSession(t, db, table, p.ID), rawSession(t, db, table, c.ID)
		checkMoneyShown(pf, cf, func(format string, args ...any) {
			t.Errorf("round %d (retainUntil-band%+v), as stored: %s", round, d, fmt.Sprintf(format, args...))
		})
		final := map[string]*session.Session{p.ID: pf, c.ID: cf}
		for _, v := range final {
			checkStored(t, round, v, final)
		}
		for _, a := range changed {
			v := final[a.ID]
			if len(a.History) > len(v.History) {
				t.Errorf("round %d: an answer showed %s with %d history entries; %d stored", round, a.ID, len(a.History), len(v.History))
				continue
			}
			for i, h := range a.History {
				if s := v.History[i]; s.Status != h.Status || !s.At.Equal(h.At) {
					t.Errorf("round %d: an answer showed %s's entry %d as %s at %s; stored %s at %s", round, a.ID, i, h.Status, h.At, s.Status, s.At)
				}
			}
		}
		// 404 from the end of retention as stored, and never back.
		for _, v := range final {
			clock.Set(v.RetainUntil.Add(offsets[1]))
			for st := range stores {
				if _, err := stores[st].Get(ctx, v.ID); session.ErrorCode(err) != session.ENOTFOUND {
					t.Errorf("round %d: %s read at its retainUntil by container %d = %v; want 404", round, v.ID, st, err)
				}
			}
		}
	}
}

// checkMoneyShown fails a pair, read at one instant, in which the parent
// shows money its child does not hold, or the child took money under a
// parent that was canceled, failed or whose cancellation (or fraud
// cancellation) was asked for.
func checkMoneyShown(p, c *session.Session, fail func(string, ...any)) {
	if p == nil || c == nil {
		return
	}
	if p.StatusReason == session.ChildReason(c.ID, p.Status) && p.Status != c.Status {
		fail("parent %s shows its child's %s (reason %q); the child is %s", p.ID, p.Status, p.StatusReason, c.Status)
	}
	var settledUnder func(at time.Time) bool
	switch p.Status {
	case session.Canceled, session.Failed, session.CancelRequested:
		// None of these follows a SETTLED parent: a child's SETTLED at
		// their instant came after them.
		settledUnder = func(at time.Time) bool { return !at.Before(p.ClosedAt) }
	case session.FraudCancellationRequested:
		// It may follow a SETTLED parent at the same instant (the child
		// settled, the parent followed or was settled by its processor,
		// then a fraud cancellation was asked for), so a child's SETTLED
		// at its instant came after it unless the parent was SETTLED
		// right before it. (A change is stamped no earlier than the latest
		// it read: a container whose clock is behind settles the child at
		// the instant of the parent's fraud cancellation it read.)
		h := p.History
		settledFirst := len(h) >= 2 && h[len(h)-2].Status == session.Settled
		settledUnder = func(at time.Time) bool {
			return at.After(p.ClosedAt) || at.Equal(p.ClosedAt) && !settledFirst
		}
	default:
		return
	}
	for _, h := range c.History {
		if h.Status == session.Settled && settledUnder(h.At) {
			fail("child %s SETTLED at %s under parent %s %s since %s", c.ID, h.At, p.ID, p.Status, p.ClosedAt)
		}
	}
}
