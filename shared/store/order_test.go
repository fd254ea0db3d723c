package store_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestHistoryStaysInOrder: a writer reads the clock, then the session; the
// read may take seconds (the SDK retries it) and another instance, its
// clock ahead, may change the session meanwhile. The writer's change must
// not be entered before what it read: the history is "oldest first"
// (docs/design.md §3) and updatedAt (001's processedOn, "the latest status
// change") never goes back. A parent and child changed together keep one
// instant (the parent shows the child's change at the child's instant),
// even when the parent, read after the child, turns out newer than the
// writer's clock.
func TestHistoryStaysInOrder(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		child bool
		nth   int64 // the GetItem of the writer before which the other instance writes
	}{
		{"one session", false, 1},
		{"a parent read after its child", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var gets atomic.Int64
			var f *fixture
			var target string
			ahead := storetest.NewClock(t0.Add(time.Minute)) // the other instance's clock
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if op != "GetItem" || !armed.Load() || gets.Add(1) != tt.nth {
					return nil, nil
				}
				other := store.New(f.db, f.table, session.DefaultPolicy, 16, ahead.Now)
				if _, err := other.ApplyEvent(ctx, "", target, &session.Event{Status: session.RequiresAction}); err != nil {
					t.Errorf("the other instance's event = %v", err)
				}
				return nil, nil
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			v := f.create(t, "m-1")
			id, status := v.ID, session.Processing
			target = v.ID
			if tt.child {
				c := f.newDraftSession("m-1", v.ID)
				if _, _, err := f.st.Create(ctx, c, nil, 0, nil); err != nil {
					t.Fatal(err)
				}
				id, status = c.ID, session.Authorised
			}
			armed.Store(true)
			got, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: status})
			armed.Store(false)
			if err != nil || got.Status != status {
				t.Fatalf("ApplyEvent = %v, %v; want %s", got, err, status)
			}
			for _, sid := range map[string]string{v.ID: v.ID, id: id} {
				s := f.mustGet(t, sid)
				for k := 1; k < len(s.History); k++ {
					if s.History[k].At.Before(s.History[k-1].At) {
						t.Errorf("%s: history %s at %s entered after %s at %s", sid, s.History[k].Status, s.History[k].At, s.History[k-1].Status, s.History[k-1].At)
					}
				}
				if last := s.History[len(s.History)-1].At; !s.UpdatedAt.Equal(last) {
					t.Errorf("%s: updatedAt %s; last change at %s", sid, s.UpdatedAt, last)
				}
			}
			if tt.child {
				p, c := f.mustGet(t, v.ID), f.mustGet(t, id)
				if p.Status != session.Authorised || !p.UpdatedAt.Equal(c.UpdatedAt) {
					t.Errorf("parent %s at %s, child %s at %s; want the parent AUTHORISED at the child's instant", p.Status, p.UpdatedAt, c.Status, c.UpdatedAt)
				}
			}
		})
	}
}
