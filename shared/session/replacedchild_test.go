package session

import (
	"testing"
	"time"
)

// TestReplacedChildTakesNoMoney: a child in its guard band "may be
// replaced" because "it takes no more writes" (README, "Child sessions");
// but the instance that replaced it judged the band by its own clock and
// WRITE_GUARD, and another instance (a clock behind, or a smaller
// WRITE_GUARD: unset, it is derived from SESSION_EXPIRY, so lowering that
// lowers it) may still find the old child outside its band. r91-family saw
// it on two make run servers sharing a table (WRITE_GUARD 5s and 1s): the
// replaced child's AUTHORISED landed, moved the parent to AUTHORISED and
// left the parent's current child open under it, against "closing a parent
// closes its open child, whatever the cause" (README), and 003 answered a
// COMPLETED parent with an INITIATED child. A child the parent no longer
// names takes no money: 409 PARENT_CLOSED, as for a parent in its band.
func TestReplacedChildTakesNoMoney(t *testing.T) {
	short := DefaultPolicy
	short.Expiry = 10 * time.Minute
	short.WriteGuard = time.Second
	for _, to := range []Status{Authorised, Settled} {
		parent := newSession(t)
		old := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), short)
		if err := Adopt(parent, old, nil, t0.Add(time.Minute), short); err != nil {
			t.Fatal(err)
		}
		// Inside the old child's band by DefaultPolicy's 5 s, not by its 1 s.
		now := old.ExpiresAt.Add(-3 * time.Second)
		next := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000002", "tok", now, DefaultPolicy)
		if err := Adopt(parent, next, old, now, DefaultPolicy); err != nil {
			t.Fatalf("Adopt(next) = %v; want the old child replaced", err)
		}
		applied, parentChanged, err := ApplyToChild(old, parent, &Event{Status: to}, now, short)
		if ErrorCode(err) != ECONFLICT || ErrorReason(err) != ReasonParentClosed || applied || parentChanged {
			t.Errorf("replaced child's %s = applied %v, parent changed %v, %v; want 409 %s", to, applied, parentChanged, err, ReasonParentClosed)
		}
		if !parent.Status.Open() || !next.Status.Open() {
			t.Errorf("after the replaced child's %s: parent %s, current child %s; want both open", to, parent.Status, next.Status)
		}
	}
}

// TestReplacedClosedChildIsAnInvalidTransition: README, "A child closed on
// its own (FAILED, CANCELED) and then sent AUTHORISED or SETTLED gets 409
// INVALID_TRANSITION (the lifecycle's table) while its parent is open". A
// closed child may be replaced; once its parent names the new child, the
// old one's money is still the lifecycle's refusal, not PARENT_CLOSED: the
// replaced-child rule (a82ea3a) is for an open child only.
func TestReplacedClosedChildIsAnInvalidTransition(t *testing.T) {
	for _, closed := range []Status{Canceled, Failed} {
		for _, to := range []Status{Authorised, Settled} {
			parent := newSession(t)
			old := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), DefaultPolicy)
			if err := Adopt(parent, old, nil, t0.Add(time.Minute), DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			now := t0.Add(2 * time.Minute)
			if applied, _, err := ApplyToChild(old, parent, &Event{Status: closed}, now, DefaultPolicy); err != nil || !applied {
				t.Fatalf("child's %s = %v, %v", closed, applied, err)
			}
			now = now.Add(time.Minute)
			next := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000002", "tok", now, DefaultPolicy)
			if err := Adopt(parent, next, old, now, DefaultPolicy); err != nil {
				t.Fatalf("Adopt(next) = %v; want the closed child replaced", err)
			}
			now = now.Add(time.Minute)
			applied, parentChanged, err := ApplyToChild(old, parent, &Event{Status: to}, now, DefaultPolicy)
			if ErrorCode(err) != ECONFLICT || ErrorReason(err) != ReasonInvalidTransition || applied || parentChanged {
				t.Errorf("replaced %s child's %s = applied %v, parent changed %v, %v (%s); want 409 %s", closed, to, applied, parentChanged, err, ErrorReason(err), ReasonInvalidTransition)
			}
		}
	}
}
