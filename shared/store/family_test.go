package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// newDraftSession makes a session for merchant at the fixture's clock; with
// parent set it asks to be that session's child.
func (f *fixture) newDraftSession(merchant, parent string) *session.Session {
	d := &session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: parent}
	return session.New(d, merchant, uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
}

func (f *fixture) mustGet(t *testing.T, id string) *session.Session {
	t.Helper()
	v, err := f.st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s) = %v", id, err)
	}
	return v
}

func TestChildCreation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(f *fixture) (parent string) // returns the parentSessionId to use
		code   session.Code
		reason string
	}{
		{"open parent", func(f *fixture) string { return f.create(t, "m-1").ID }, "", ""},
		{"other merchant's parent", func(f *fixture) string { return f.create(t, "m-2").ID }, session.EINVALID, session.ReasonValidation},
		{"unknown parent", func(f *fixture) string { return uuid.NewString() }, session.EINVALID, session.ReasonValidation},
		{"closed parent", func(f *fixture) string {
			p := f.create(t, "m-1")
			if _, err := f.st.Cancel(ctx, "m-1", p.ID, ""); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, session.ECONFLICT, session.ReasonParentNotOpen},
		{"expired parent", func(f *fixture) string {
			p := f.create(t, "m-1")
			f.clock.Advance(30 * time.Minute)
			return p.ID
		}, session.ECONFLICT, session.ReasonParentNotOpen},
		{"parent with an open child", func(f *fixture) string {
			p := f.create(t, "m-1")
			if _, _, err := f.st.Create(ctx, f.newDraftSession("m-1", p.ID), nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, session.ECONFLICT, session.ReasonChildExists},
		{"parent whose child closed", func(f *fixture) string {
			p := f.create(t, "m-1")
			c := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.ApplyEvent(ctx, c.ID, &session.Event{Status: session.Failed}); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, "", ""},
		{"grandchild", func(f *fixture) string {
			p := f.create(t, "m-1")
			c := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}, session.EINVALID, session.ReasonValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			parentID := tt.setup(f)
			f.clock.Advance(time.Minute)
			child := f.newDraftSession("m-1", parentID)
			_, _, err := f.st.Create(ctx, child, nil, 201, nil)
			if session.ErrorCode(err) != tt.code || (tt.reason != "" && session.ErrorReason(err) != tt.reason) {
				t.Fatalf("Create(child) = %v; want code %q reason %q", err, tt.code, tt.reason)
			}
			if tt.code != "" {
				if _, err := f.st.Get(ctx, child.ID); session.ErrorCode(err) != session.ENOTFOUND {
					t.Errorf("refused child was stored (Get = %v)", err)
				}
				return
			}
			parent := f.mustGet(t, parentID)
			got := f.mustGet(t, child.ID)
			if parent.ChildSessionID != child.ID || got.ParentSessionID != parentID {
				t.Errorf("link parent→%q child→%q; want %s↔%s", parent.ChildSessionID, got.ParentSessionID, parentID, child.ID)
			}
			if !got.ExpiresAt.Equal(parent.ExpiresAt) || got.ExpiresAt.After(got.CreatedAt.Add(30*time.Minute)) {
				t.Errorf("child expiresAt = %v; want capped at the parent's %v", got.ExpiresAt, parent.ExpiresAt)
			}
		})
	}
}

func TestChildAuthorisedMovesOpenParent(t *testing.T) {
	ctx := context.Background()
	for _, st := range []session.Status{session.Authorised, session.Settled} {
		t.Run(string(st), func(t *testing.T) {
			f := newFixture(t)
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			if _, err := f.st.ApplyEvent(ctx, child.ID, &session.Event{Status: st}); err != nil {
				t.Fatal(err)
			}
			p := f.mustGet(t, parent.ID)
			if p.Status != st || !p.ClosedAt.Equal(f.clock.Now()) {
				t.Errorf("parent = %s closed %v; want %s at %v", p.Status, p.ClosedAt, st, f.clock.Now())
			}
			if last := p.History[len(p.History)-1]; last.Status != st {
				t.Errorf("parent's last history entry = %+v; want %s", last, st)
			}
		})
	}
	t.Run("closed parent is left alone", func(t *testing.T) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.ApplyEvent(ctx, parent.ID, &session.Event{Status: session.Failed}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.ApplyEvent(ctx, child.ID, &session.Event{Status: session.Authorised}); err != nil {
			t.Fatal(err)
		}
		if p := f.mustGet(t, parent.ID); p.Status != session.Failed {
			t.Errorf("parent = %s; want FAILED, untouched", p.Status)
		}
	})
	t.Run("other statuses do not propagate", func(t *testing.T) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.ApplyEvent(ctx, child.ID, &session.Event{Status: session.Failed}); err != nil {
			t.Fatal(err)
		}
		if p := f.mustGet(t, parent.ID); p.Status != session.Created {
			t.Errorf("parent = %s; want CREATED", p.Status)
		}
	})
}

func TestParentCancelClosesOpenChild(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	parent := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.st.Cancel(ctx, "m-1", parent.ID, ""); err != nil {
		t.Fatal(err)
	}
	c := f.mustGet(t, child.ID)
	if c.Status != session.Canceled || !c.ClosedAt.Equal(f.clock.Now()) {
		t.Errorf("child = %s closed %v; want CANCELED at %v", c.Status, c.ClosedAt, f.clock.Now())
	}
	// A closed child stays as it is.
	parent2 := f.create(t, "m-1")
	child2 := f.newDraftSession("m-1", parent2.ID)
	if _, _, err := f.st.Create(ctx, child2, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ApplyEvent(ctx, child2.ID, &session.Event{Status: session.Failed}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Cancel(ctx, "m-1", parent2.ID, ""); err != nil {
		t.Fatal(err)
	}
	if c := f.mustGet(t, child2.ID); c.Status != session.Failed {
		t.Errorf("closed child = %s; want FAILED, untouched", c.Status)
	}
}

// TestChildExpiresWithParent: the child's expiry is capped at the parent's,
// so an expired parent's child has expired too.
func TestChildExpiresWithParent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	parent := f.create(t, "m-1")
	f.clock.Advance(10 * time.Minute)
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(parent.ExpiresAt)
	if p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID); p.Status != session.Expired || c.Status != session.Expired {
		t.Errorf("at the parent's expiry: parent %s, child %s; want both EXPIRED", p.Status, c.Status)
	}
}
