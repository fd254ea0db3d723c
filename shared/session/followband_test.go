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
