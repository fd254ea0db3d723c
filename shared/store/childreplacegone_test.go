package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestNewChildOfAParentWhoseChildIsGone: a parent still open whose child
// closed early and is past its own retention takes a new child, whether or
// not TTL has deleted the old child's item: docs/design.md §4, "From that
// instant the session does not exist for any endpoint, reads and writes
// alike (404), whatever TTL has or has not deleted. TTL runs late, often
// by days; nothing depends on it." The create reads the parent's present
// child to see whether it is still open; a child gone is none. Only a
// parent's close met a child gone (TestParentCloseWhoseChildIsGone), so a
// create that answered the old child's 404 once TTL had run passed every
// test (r96-mutate).
func TestNewChildOfAParentWhoseChildIsGone(t *testing.T) {
	ctx := context.Background()
	for _, ttlRan := range []bool{false, true} {
		t.Run(fmt.Sprintf("TTL ran %v", ttlRan), func(t *testing.T) {
			f := newFixture(t)
			p := parentWithChildGone(t, f, ttlRan)
			next := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, next, nil, 201, nil); err != nil {
				t.Fatalf("Create(a new child) = %v (%s); want it created", err, session.ErrorReason(err))
			}
			if got := f.mustGet(t, p.ID); got.ChildSessionID != next.ID || !got.Status.Open() {
				t.Errorf("parent %s links %q; want open, linking the new child %q", got.Status, got.ChildSessionID, next.ID)
			}
		})
	}
}
