package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestFamilyAtTheParentsInstants: docs/design.md §4, read literally at the
// parent's own instants (its expiresAt, the guard band before it, its
// retainUntil and the band before that), 100 ns either side of each edge:
// "which must be the same merchant's and open", "The child's expiresAt is
// no later than its parent's", "A parent's close closes its open child
// ... in the same transaction: the child becomes CANCELED", "A child can
// never reach AUTHORISED or SETTLED under a closed parent: 409
// PARENT_CLOSED", "A child reaching AUTHORISED or SETTLED moves an open
// parent to the same status, in the same transaction", "writes are refused
// during a guard band (WRITE_GUARD) before expiresAt and before
// retainUntil", and "From that instant [retainUntil] the session does not
// exist for any endpoint". Every instant is a fraction past a second, the
// parent's close too, so no rule holds by a whole second's accident.
func TestFamilyAtTheParentsInstants(t *testing.T) {
	ctx := context.Background()
	p := session.DefaultPolicy
	g := p.WriteGuard
	const ns100 = 100 * time.Nanosecond
	type family struct{ parent, child *session.Session }
	// outcome of an operation: "" accepted, else the error's reason.
	reason := func(err error) string {
		if err == nil {
			return ""
		}
		return session.ErrorReason(err)
	}
	tests := []struct {
		name string
		// at is the operation's instant, from the family as made.
		at func(fam family) time.Time
		// closeParent closes the parent (before the operation) at
		// closedAt, when set.
		closeParent session.Status
		closedAt    time.Duration // after the parent's creation
		// childMoney: the child is AUTHORISED (moving its open parent) a
		// minute after its creation, before the operation.
		childMoney bool
		op         string // "child", "authorise", "settle", "cancel-parent", "fail-parent"
		want       string // the reason, "" accepted
		// wantParent, wantChild: the statuses stored after the operation,
		// read at its instant ("" not checked).
		wantParent, wantChild session.Status
	}{
		{name: "child created at expiresAt - band - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g - ns100) }, op: "child", want: "", wantParent: session.Created, wantChild: session.Created},
		{name: "child created at expiresAt - band", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g) }, op: "child", want: session.ReasonParentNotOpen},
		{name: "child created at expiresAt - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-ns100) }, op: "child", want: session.ReasonParentNotOpen},
		{name: "child created at expiresAt", at: func(f family) time.Time { return f.parent.ExpiresAt }, op: "child", want: session.ReasonParentNotOpen},
		{name: "child created at the purge - band - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(p.Retention - g - ns100) }, op: "child", want: session.ReasonParentNotOpen},
		{name: "child created at the purge", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(p.Retention) }, op: "child", want: session.ReasonValidation},

		{name: "child AUTHORISED at expiresAt - band - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g - ns100) }, op: "authorise", want: "", wantParent: session.Authorised, wantChild: session.Authorised},
		{name: "child AUTHORISED at expiresAt - band", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g) }, op: "authorise", want: session.ReasonSessionExpired, wantParent: session.Created, wantChild: session.Created},
		{name: "child AUTHORISED at expiresAt", at: func(f family) time.Time { return f.parent.ExpiresAt }, op: "authorise", want: session.ReasonSessionExpired, wantParent: session.Expired, wantChild: session.Expired},

		{name: "parent FAILED, child AUTHORISED after", closeParent: session.Failed, closedAt: 2 * time.Minute, at: func(f family) time.Time { return f.parent.CreatedAt.Add(3 * time.Minute) }, op: "authorise", want: session.ReasonParentClosed, wantParent: session.Failed, wantChild: session.Canceled},
		{name: "parent AUTHORISED by its processor, child AUTHORISED after", closeParent: session.Authorised, closedAt: 2 * time.Minute, at: func(f family) time.Time { return f.parent.CreatedAt.Add(3 * time.Minute) }, op: "authorise", want: session.ReasonParentClosed, wantParent: session.Authorised, wantChild: session.Canceled},

		{name: "parent FAILED at expiresAt - band - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g - ns100) }, op: "fail-parent", want: "", wantParent: session.Failed, wantChild: session.Canceled},
		{name: "parent FAILED at expiresAt - band", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g) }, op: "fail-parent", want: session.ReasonSessionExpired, wantParent: session.Created, wantChild: session.Created},
		{name: "parent canceled at expiresAt - band - 100ns", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g - ns100) }, op: "cancel-parent", want: "", wantParent: session.Canceled, wantChild: session.Canceled},
		{name: "parent canceled at expiresAt - band", at: func(f family) time.Time { return f.parent.ExpiresAt.Add(-g) }, op: "cancel-parent", want: session.ReasonSessionExpired, wantParent: session.Created, wantChild: session.Created},

		{name: "child SETTLED at retainUntil - band - 100ns", childMoney: true, at: func(f family) time.Time { return f.parent.RetainUntil.Add(-g - ns100) }, op: "settle", want: "", wantParent: session.Settled, wantChild: session.Settled},
		{name: "child SETTLED at retainUntil - band", childMoney: true, at: func(f family) time.Time { return f.parent.RetainUntil.Add(-g) }, op: "settle", want: session.ReasonSessionNotFound, wantParent: session.Authorised, wantChild: session.Authorised},
		{name: "child SETTLED at retainUntil", childMoney: true, at: func(f family) time.Time { return f.parent.RetainUntil }, op: "settle", want: session.ReasonSessionNotFound},
		{name: "merchant cancels the paid child at retainUntil - band - 100ns", childMoney: true, at: func(f family) time.Time { return f.parent.RetainUntil.Add(-g - ns100) }, op: "cancel-child", want: "", wantParent: session.CancelRequested, wantChild: session.CancelRequested},
		{name: "parent CANCELED by its processor, paid child SETTLED after", childMoney: true, closeParent: session.Canceled, closedAt: 3 * time.Minute, at: func(f family) time.Time { return f.parent.CreatedAt.Add(4 * time.Minute) }, op: "settle", want: session.ReasonParentClosed, wantParent: session.Canceled, wantChild: session.Authorised},
	}
	f := newFixture(t)
	// The clock stands still during an operation, so a cancel refused in
	// the band is made again at the same instant whether the store first
	// waits for writes in flight or not: noSettleWait, where the refusal at
	// expiresAt - band slept the band's 5 s in real time.
	f.st = store.New(storetest.Client(t, store.ClientOptions{}), f.table, session.DefaultPolicy, 16, f.clock.Now, noSettleWait)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t0.Add(time.Duration(i)*2*time.Hour + 700*time.Millisecond + 300*time.Nanosecond)
			f.clock.Set(base)
			parent := f.create(t, "m-1")
			fam := family{parent: parent}
			var child *session.Session
			if tt.op != "child" {
				f.clock.Set(base.Add(time.Minute + 100*time.Millisecond))
				child = f.newDraftSession("m-1", parent.ID)
				if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
					t.Fatal(err)
				}
				if !child.ExpiresAt.Equal(parent.ExpiresAt) {
					t.Fatalf("child expiresAt = %v; want the parent's %v", child.ExpiresAt, parent.ExpiresAt)
				}
				fam.child = child
			}
			if tt.childMoney {
				f.clock.Set(base.Add(2*time.Minute + 200*time.Millisecond))
				if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
					t.Fatal(err)
				}
				fam.parent = f.mustGet(t, parent.ID)
				if fam.parent.Status != session.Authorised {
					t.Fatalf("parent = %s; want AUTHORISED by its child", fam.parent.Status)
				}
			}
			if tt.closeParent != "" {
				f.clock.Set(base.Add(tt.closedAt + 300*time.Millisecond))
				if _, err := f.st.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: tt.closeParent}); err != nil {
					t.Fatal(err)
				}
				fam.parent = f.mustGet(t, parent.ID)
			}
			at := tt.at(fam)
			f.clock.Set(at)
			// before is each member's status just before the operation.
			before := map[string]session.Status{}
			for _, v := range []*session.Session{parent, child} {
				if v == nil {
					continue
				}
				if got, err := f.clean().Get(ctx, v.ID); err == nil {
					before[v.ID] = got.Status
				}
			}
			var err error
			switch tt.op {
			case "child":
				child = f.newDraftSession("m-1", parent.ID)
				_, _, err = f.st.Create(ctx, child, nil, 201, nil)
			case "authorise":
				_, err = f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised})
			case "settle":
				_, err = f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Settled})
			case "fail-parent":
				_, err = f.st.ApplyEvent(ctx, "", parent.ID, &session.Event{Status: session.Failed})
			case "cancel-parent":
				_, err = f.st.Cancel(ctx, "m-1", parent.ID, "")
			case "cancel-child":
				_, err = f.st.Cancel(ctx, "m-1", child.ID, "")
			}
			if got := reason(err); got != tt.want {
				t.Fatalf("%s at %s = %v; want %q", tt.op, at.Format(time.RFC3339Nano), err, tt.want)
			}
			check := func(what string, v *session.Session, want session.Status) {
				t.Helper()
				if want == "" || v == nil {
					return
				}
				got, err := f.clean().Get(ctx, v.ID)
				if err != nil {
					t.Fatalf("%s: Get() = %v", what, err)
				}
				if got.Status != want {
					t.Errorf("%s = %s; want %s", what, got.Status, want)
				}
				// A member the operation moved moved at its instant, in
				// its transaction: updatedAt, closedAt and retainUntil.
				if prev, ok := before[v.ID]; ok && tt.want == "" && prev != got.Status {
					if !got.UpdatedAt.Equal(at) || !got.ClosedAt.Equal(at) || !got.RetainUntil.Equal(at.Add(p.Retention)) {
						t.Errorf("%s moved %s -> %s: updatedAt %v, closedAt %v, retainUntil %v; want %v, %v, %v", what, prev, got.Status, got.UpdatedAt, got.ClosedAt, got.RetainUntil, at, at, at.Add(p.Retention))
					}
				}
			}
			check("parent", parent, tt.wantParent)
			if tt.op != "child" || tt.want == "" {
				check("child", child, tt.wantChild)
			}
			if tt.op == "child" && tt.want == "" {
				c := f.mustGet(t, child.ID)
				if !c.ExpiresAt.Equal(parent.ExpiresAt) {
					t.Errorf("child expiresAt = %v; want the parent's %v", c.ExpiresAt, parent.ExpiresAt)
				}
				if pv := f.mustGet(t, parent.ID); pv.ChildSessionID != child.ID {
					t.Errorf("parent childSessionId = %q; want %s", pv.ChildSessionID, child.ID)
				}
			}
		})
	}
}
