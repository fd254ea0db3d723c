package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestChangeLimitOfEveryTransition: README, "a merchant's or processor's
// change keeps 6 KB of room for each change still due after it ... an
// event between open statuses ... (36 KB: it is refused over 344 KB), a
// cancel request for its answer and those three (356 KB), a close to
// AUTHORISED for the merchant's cancel request, its answer and those three
// (350 KB ...), a declined cancellation (AUTHORISED again) for those three
// (362 KB), a move to SETTLED for the fraud cancellation and cancellation after
// it (368 KB), a FRAUD_CANCELLATION_REQUESTED for its cancellation (374
// KB); a change that ends the session keeps none". Every move the
// lifecycle's table allows (design.md §4) is measured, not only one
// example of each target: an AUTHORISED session's fraud cancellation
// request kept no room for its cancellation (r87-mutate: a ChangesStillDue
// that kept it only after SETTLED passed every test), nor was an
// AUTHORISED's own CANCELED or FAILED, nor a CANCEL_REQUESTED's CANCELED,
// measured at all.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestChangeLimitOfEveryTransition(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	st := store.New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return t0 })
	written := func(v *session.Session) int { return writtenSize(t, st, v) }
	wantKB := func(from, to session.Status) int {
		switch {
		case from.Open() && to.Open():
			return 344
		case to == session.CancelRequested:
			return 356
		case to == session.Authorised && from.Open():
			return 350
		case to == session.Authorised:
			return 362
		case to == session.Settled:
			return 368
		case to == session.FraudCancellationRequested:
			return 374
		}
		return 380
	}
	pairs := 0
	for _, from := range session.Statuses {
		for _, to := range session.Statuses {
			if !session.CanTransition(from, to) {
				continue
			}
			pairs++
			limit := wantKB(from, to) << 10
			v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "tok", t0, session.DefaultPolicy)
			v.Status = to
			if !v.Status.Open() { // closed as every close is: its closedAt and retainUntil set
				v.ClosedAt, v.RetainUntil = t0, t0.Add(session.DefaultPolicy.Retention)
			}
			padded := func(n int) *session.Session {
				c := v.Clone()
				c.ResultData = map[string]string{"pad": strings.Repeat("x", n)}
				return c
			}
			fits := func(n int) bool {
				_, err := st.StoredChange(padded(n), from)
				if err != nil && session.ErrorReason(err) != session.ReasonSessionTooLarge {
					t.Fatalf("%s to %s, pad %d: got %v; want the session stored or %s", from, to, n, err, session.ReasonSessionTooLarge)
				}
				return err == nil
			}
			// Each byte of pad is a byte of the item: the item at the
			// limit must be stored, a byte over it refused.
			at := limit - written(padded(0))
			if got := written(padded(at)); got != limit {
				t.Fatalf("pad %d: item of %d bytes; want %d", at, got, limit)
			}
			if !fits(at) {
				t.Errorf("%s to %s: an item of %d bytes (%d KB) refused; want it stored", from, to, limit, limit>>10)
			}
			if fits(at + 1) {
				t.Errorf("%s to %s: an item of %d bytes stored; want it refused over %d KB", from, to, limit+1, limit>>10)
			}
		}
	}
	// 6 open statuses × (6 open + AUTHORISED, SETTLED, FAILED, CANCELED),
	// and the closed statuses' 5 + 1 + 2 + 1.
	if pairs != 6*10+9 {
		t.Errorf("measured %d transitions; want the %d of the lifecycle's table", pairs, 6*10+9)
	}
}

// TestWriteRefusesWhereStoredChangeDoes: the limit a write of a change
// keeps (Txn's) is the one StoredChange reports, which storetest.Memory
// applies in the handler tests, to the byte: a processor's event whose
// item is at StoredChange's limit lands, one a byte larger is refused 409
// SESSION_TOO_LARGE, at every step from CREATED to CANCELED. The tests
// measured StoredChange alone (TestItemLimitIs380KBWith4KBReserved), or
// filled an item to whatever the write allowed, so a write that refused
// at the limit itself (>= for >), or left out of its measure the write's
// id or the recentWrites it keeps, passed them all (r87-mutate).
func TestWriteRefusesWhereStoredChangeDoes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
	if _, _, err := f.st.Create(ctx, v, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	for i, to := range []session.Status{session.Processing, session.Authorised, session.Settled, session.FraudCancellationRequested, session.Canceled} {
		cur, err := f.st.Get(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := func(n int) *session.Event {
			return &session.Event{Status: to, EventID: session.EventID(fmt.Sprintf("step-%d", i)), ResultData: map[string]string{"pad": strings.Repeat("x", n)}}
		}
		fits := func(n int) bool {
			c := cur.Clone()
			if _, err := c.Apply(ev(n), f.clock.Now(), session.DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			c.Version = cur.Version + 1
			_, err := f.st.StoredChange(c, cur.Status)
			if err != nil && session.ErrorReason(err) != session.ReasonSessionTooLarge {
				t.Fatalf("%s to %s: %v", cur.Status, to, err)
			}
			return err == nil
		}
		lo, hi := boundary(t, 0, 400<<10, fits)
		if _, err := f.st.ApplyEvent(ctx, "", v.ID, ev(hi)); session.ErrorReason(err) != session.ReasonSessionTooLarge {
			t.Errorf("%s to %s with the smallest data StoredChange refuses: got %v; want %s", cur.Status, to, err, session.ReasonSessionTooLarge)
		}
		if _, err := f.st.ApplyEvent(ctx, "", v.ID, ev(lo)); err != nil {
			t.Fatalf("%s to %s with the largest data StoredChange stores: got %v; want it applied", cur.Status, to, err)
		}
	}
}
