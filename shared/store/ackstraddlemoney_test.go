package store_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestAcknowledgementStraddlingExpiryAfterMoney: a retried eventId's
// acknowledgement is a read, and a read that began before expiresAt and
// ended after it "may have missed a write accepted before that instant,
// so it is made again" (docs/design.md §4). Another container's
// AUTHORISED, accepted a second before the band, lands while the
// acknowledgement's read is on its way back, and expiresAt passes before
// it is judged: judged from its item (open, without the AUTHORISED) it
// would answer EXPIRED for a session every read then shows AUTHORISED ("A
// session read as EXPIRED or 404 never comes back"). Kills applyEvent's
// acknowledgement answered without its straddle check (r101-mutate 63).
func TestAcknowledgementStraddlingExpiryAfterMoney(t *testing.T) {
	ctx := context.Background()
	hook := &afterRead{op: "GetItem"}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	other := f.clean()
	v := f.create(t, "m-1")
	first := &session.Event{Status: session.Processing, EventID: "proc"}
	if _, err := other.ApplyEvent(ctx, "", v.ID, first); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(v.ExpiresAt.Add(-session.DefaultPolicy.WriteGuard - time.Second))
	var otherErr error
	hook.then = func() {
		_, otherErr = other.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth"})
		f.clock.Set(v.ExpiresAt.Add(time.Second))
	}
	hook.armed.Store(true)
	got, err := f.st.ApplyEvent(ctx, "", v.ID, first)
	if otherErr != nil {
		t.Fatalf("the other container's AUTHORISED = %v", otherErr)
	}
	if err != nil {
		t.Fatalf("retried PROCESSING = %v: got code %v; want 200", err, session.ErrorCode(err))
	}
	if got.Status != session.Authorised {
		t.Errorf("retried PROCESSING, its read straddling expiresAt after an AUTHORISED: got %s; want %s", got.Status, session.Authorised)
	}
}
