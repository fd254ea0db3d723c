package store_test

import (
	"context"
	"testing"
	"time"
)

// TestChildLinkLeavesParentUnchanged: creating a child links its parent
// (childSessionId) and changes nothing a reader of the parent's status sees
// (README, "Child sessions": "The link changes neither the parent's history
// nor its updatedAt (000's lastUpdatedOn, 002's updatedAt, 004's
// updated_date): only 003's childSession shows it").
func TestChildLinkLeavesParentUnchanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.create(t, "m-1")
	f.clock.Advance(2 * time.Second)
	c := f.newDraftSession("m-1", p.ID)
	if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	got := f.mustGet(t, p.ID)
	if got.ChildSessionID != c.ID {
		t.Errorf("childSessionId: got %q; want %q", got.ChildSessionID, c.ID)
	}
	if !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Errorf("updatedAt: got %v; want %v", got.UpdatedAt, p.UpdatedAt)
	}
	if len(got.History) != len(p.History) {
		t.Errorf("history: got %d entries; want %d", len(got.History), len(p.History))
	}
	if got.Status != p.Status || got.StatusReason != p.StatusReason {
		t.Errorf("status: got %s %q; want %s %q", got.Status, got.StatusReason, p.Status, p.StatusReason)
	}
}
