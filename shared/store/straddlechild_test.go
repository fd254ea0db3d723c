package store_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestGetWithChildStraddlingTheChildsExpiry: GetWithChild, "As Get, a read
// that straddled the parent's or the child's expiry (or end of retention)
// is made again". The child expires first (5 minutes after its creation,
// its parent 30): a processor's AUTHORISED on the child, accepted a minute
// before the child's expiry, lands while the pair's read is on its way
// back, and the child's expiry passes before the read is judged. Judged
// then, the read's child (open, without the AUTHORISED) was EXPIRED, and
// the next read AUTHORISED: "A session read as EXPIRED or 404 never comes
// back" (docs/design.md §4).
func TestGetWithChildStraddlingTheChildsExpiry(t *testing.T) {
	ctx := context.Background()
	hook := &afterRead{op: "TransactGetItems"}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	p := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
	if _, _, err := f.st.Create(ctx, p, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	short := session.DefaultPolicy
	short.Expiry = 5 * time.Minute
	c := newSession("m-1", p.ID, f.clock.Now(), short)
	if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	expiresAt := f.mustGet(t, c.ID).ExpiresAt
	f.clock.Set(expiresAt.Add(-time.Minute))
	hook.then = func() {
		if _, err := f.clean().ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
			t.Errorf("AUTHORISED a minute before the child's expiry = %v", err)
		}
		f.clock.Set(expiresAt.Add(time.Millisecond))
	}
	hook.armed.Store(true)
	_, child, err := f.st.GetWithChild(ctx, "m-1", p.ID)
	if err != nil {
		t.Fatalf("GetWithChild() = %v", err)
	}
	if hook.armed.Load() {
		t.Fatal("the read sent no TransactGetItems")
	}
	final := f.mustGet(t, c.ID)
	if final.Status != session.Authorised {
		t.Fatalf("the child's stored status got %s; want %s", final.Status, session.Authorised)
	}
	if child == nil {
		t.Fatalf("the child read got none; want it as it was (open) or is (%s)", final.Status)
	}
	if child.Status == session.Expired {
		t.Errorf("the child read got %s; want it as it was (open) or is (%s)", child.Status, final.Status)
	}
}
