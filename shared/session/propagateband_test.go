package session

import (
	"testing"
	"time"
)

// TestPropagateLeavesAParentInItsGuardBand: "writes are refused during a
// guard band (WRITE_GUARD, default 5 s) before expiresAt"
// (docs/design.md §4), a system change of the parent too: a child's
// settlement under an open parent within its band (a state ApplyToChild's
// check admits: a closed child's money under an open parent) leaves the
// parent as it is. r92-mutate F9: propagate without its band check moved
// the parent to SETTLED in its band, and every test passed.
func TestPropagateLeavesAParentInItsGuardBand(t *testing.T) {
	parent, child := family(t)
	p := DefaultPolicy
	p.Retention = time.Hour // the child, closed, outlives the parent's band
	if err := child.transition(Authorised, "x", "", true, t0.Add(2*time.Minute), p); err != nil {
		t.Fatal(err)
	}
	now := parent.ExpiresAt.Add(-p.WriteGuard / 2)
	applied, parentChanged, err := ApplyToChild(child, parent, &Event{Status: Settled}, now, p)
	if err != nil || !applied {
		t.Fatalf("ApplyToChild() = %v, %v, %v; want applied", applied, parentChanged, err)
	}
	if parentChanged || parent.Status != Created {
		t.Errorf("parent changed to %s (%v) in its guard band; want it left CREATED", parent.Status, parentChanged)
	}
}
