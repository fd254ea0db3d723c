package session

import (
	"testing"
	"time"
)

// TestFollowChildLeavesAParentInItsRetentionBand: "A parent within the
// guard band before the end of its retention accepts no write and stays as
// it is" (FollowChild), as every write there sees the session "past its
// retention (all alike; for a write, also within WRITE_GUARD of the end of
// retention)" (README). The child's own retention runs later here, as when
// it last changed under a longer RESULT_RETENTION: the child may still
// change, and its parent, though it shows the child's money, is left as
// it is from WRITE_GUARD before its retainUntil on.
func TestFollowChildLeavesAParentInItsRetentionBand(t *testing.T) {
	p := DefaultPolicy
	tests := []struct {
		name     string
		before   time.Duration // how long before the parent's retainUntil the child changes
		changed  bool
		parentTo Status
	}{
		{"before the band", p.WriteGuard + 100*time.Nanosecond, true, CancelRequested},
		{"at the band", p.WriteGuard, false, Authorised},
		{"inside the band", time.Second, false, Authorised},
	}
	for _, tt := range tests {
		parent, child := family(t)
		at := t0.Add(2 * time.Minute)
		if _, changed, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, p); err != nil || !changed || parent.Status != Authorised {
			t.Fatalf("%s: child AUTHORISED: parent %s, changed %v, %v; want AUTHORISED", tt.name, parent.Status, changed, err)
		}
		child.RetainUntil = child.RetainUntil.Add(time.Hour)
		now := parent.RetainUntil.Add(-tt.before)
		if err := child.Cancel("", now, p); err != nil {
			t.Fatalf("%s: the child's cancel: %v", tt.name, err)
		}
		changed, err := FollowChild(child, parent, now, p)
		if err != nil || changed != tt.changed || parent.Status != tt.parentTo {
			t.Errorf("%s: FollowChild() = %v, %v, parent %s; want %v, <nil>, parent %s", tt.name, changed, err, parent.Status, tt.changed, tt.parentTo)
		}
	}
}

// TestFollowingWithAClockFinerThan100ns: a parent that shows its child's
// money "follows the child's later changes its own lifecycle allows ...:
// SETTLED, CANCEL_REQUESTED ..., and AUTHORISED again when a cancellation
// is declined" (docs/design.md §4), and every instant is kept "at the
// precision the service keeps (100 ns)" (Normalize). A clock read finer
// than that (the store passes its clock as read) must not leave the
// parent's change an instant apart from the child's, or the parent would
// no longer show the child's change and stop following it.
func TestFollowingWithAClockFinerThan100ns(t *testing.T) {
	parent, child := family(t)
	at := t0.Add(2 * time.Minute).Add(7 * time.Nanosecond)
	for i, st := range []Status{Authorised, CancelRequested, Authorised, Settled} {
		now := at.Add(time.Duration(i) * time.Second)
		if _, _, err := ApplyToChild(child, parent, &Event{Status: st}, now, DefaultPolicy); err != nil {
			t.Fatalf("child %s: %v", st, err)
		}
		got := []any{parent.Status, parent.UpdatedAt}
		want := []any{st, Normalize(now)}
		if got[0] != want[0] || !parent.UpdatedAt.Equal(Normalize(now)) {
			t.Errorf("after the child's %s: parent status, updatedAt = %v; want %v", st, got, want)
		}
	}
}

// TestRetriedChildEventChangesNoParent: "A processor event may carry an
// eventId, because processors retry. The service checks it before anything
// else: an event already applied answers 200 with the session as it now
// is" (docs/design.md §4), and ApplyToChild acknowledges a retry "before
// any of this" (family.go): neither propagating nor following. Here the
// child's cancel request landed while its parent, which shows the child's
// money, was in the band before the end of its retention, so the parent
// did not follow; the processor's retry comes from a clock a second behind,
// before the band. It must not make the parent follow now (a mutant that
// went on to propagate and follow after an acknowledged retry lived; with
// a parent of 90 entries it would even answer the retry 409 HISTORY_FULL).
func TestRetriedChildEventChangesNoParent(t *testing.T) {
	p := DefaultPolicy
	parent, child := family(t)
	if _, changed, err := ApplyToChild(child, parent, &Event{Status: Authorised}, t0.Add(2*time.Minute), p); err != nil || !changed {
		t.Fatalf("child AUTHORISED: parent %s, changed %v, %v; want AUTHORISED", parent.Status, changed, err)
	}
	child.RetainUntil = child.RetainUntil.Add(time.Hour) // as in TestFollowChildLeavesAParentInItsRetentionBand
	ev := &Event{Status: CancelRequested, EventID: "ev-cancel"}
	inBand := parent.RetainUntil.Add(-p.WriteGuard + 500*time.Millisecond)
	if applied, changed, err := ApplyToChild(child, parent, ev, inBand, p); err != nil || !applied || changed {
		t.Fatalf("child CANCEL_REQUESTED in the parent's band = %v, %v, %v; want applied, parent unchanged", applied, changed, err)
	}
	applied, changed, err := ApplyToChild(child, parent, ev, inBand.Add(-time.Second), p)
	if err != nil || applied || changed || parent.Status != Authorised {
		t.Errorf("retry = %v, %v, %v, parent %s; want false, false, <nil>, parent AUTHORISED", applied, changed, err, parent.Status)
	}
}
