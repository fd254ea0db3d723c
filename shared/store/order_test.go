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
			// The other instance's clock, ahead within what clocks agree on
			// (a clock further ahead is wrong: TestClockFarAhead).
			ahead := storetest.NewClock(t0.Add(800 * time.Millisecond))
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

// TestClockFarAhead: one instance whose clock is far ahead (or a session
// imported with an updatedAt in the future) changes a session. A change
// that reads it afterwards must still judge the time rules at the real
// clock: "`expiresAt = createdAt + SESSION_EXPIRY`" (docs/design.md §4), so an
// event 2 minutes into it is applied, not refused SESSION_EXPIRED because
// the wrong clock's instant is past its expiry; and a child created then
// is created now (its 30 minutes and its day in the 004 list run from the
// real clock), not at the wrong clock's instant.
func TestClockFarAhead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// A session imported with an updatedAt a year ahead (expiring as
	// any other, 30 minutes after t0), and a parent changed by an
	// instance whose clock is 20 minutes ahead.
	v := f.create(t, "m-1")
	v.UpdatedAt = t0.AddDate(1, 0, 0)
	if err := f.st.ImportAll(ctx, []*session.Session{v}); err != nil {
		t.Fatal(err)
	}
	parent := f.create(t, "m-1")
	wrong := store.New(f.db, f.table, session.DefaultPolicy, 16, storetest.NewClock(t0.Add(20*time.Minute)).Now)
	if _, err := wrong.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: session.RequiresAction}); err != nil {
		t.Fatalf("the wrong clock's event = %v", err)
	}
	f.clock.Advance(2 * time.Minute)
	limit := f.clock.Now().Add(time.Second)
	got, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing})
	if err != nil {
		t.Fatalf("ApplyEvent(PROCESSING) 2 minutes into 30 = %v (%s); want it applied", err, session.ErrorReason(err))
	}
	if got.Status != session.Processing || got.UpdatedAt.After(limit) {
		t.Errorf("ApplyEvent = %s at %s; want %s at most at %s", got.Status, got.UpdatedAt, session.Processing, limit)
	}
	c := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, c, nil, 0, nil); err != nil {
		t.Fatalf("Create(child) 2 minutes into the parent's 30 = %v (%s); want it created", err, session.ErrorReason(err))
	}
	if got, err = f.st.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: session.Processing}); err != nil {
		t.Fatalf("ApplyEvent(parent, PROCESSING) = %v (%s); want it applied", err, session.ErrorReason(err))
	}
	if got.UpdatedAt.After(limit) {
		t.Errorf("parent changed at %s; want at most at %s (the clock), not the wrong clock's instant", got.UpdatedAt, limit)
	}
}

// TestChangeDecidedAtTheLatestInstantRead: a change is decided at an
// instant no earlier than the session it read, even on the first try,
// when another instance's clock (ahead within a second) changed it last:
// docs/design.md §8, "A change is made no earlier than the latest change
// it read". A decision taken at the writer's own, earlier clock would
// judge the time rules and the family's instants before a change already
// made; it is not taken and thrown away.
func TestChangeDecidedAtTheLatestInstantRead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	v := f.create(t, "m-1")
	other := store.New(f.db, f.table, session.DefaultPolicy, 16, storetest.NewClock(t0.Add(800*time.Millisecond)).Now)
	changed, err := other.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.RequiresAction})
	if err != nil {
		t.Fatal(err)
	}
	var early []time.Time
	if _, err := f.st.Update(ctx, v.ID, func(s *session.Session, now time.Time) (bool, error) {
		if now.Before(s.UpdatedAt) {
			early = append(early, now)
		}
		return s.Apply(&session.Event{Status: session.Processing}, now, session.DefaultPolicy)
	}); err != nil {
		t.Fatal(err)
	}
	if len(early) > 0 {
		t.Errorf("got a change decided at %v; want none before the change read, at %v", early, changed.UpdatedAt)
	}
}
