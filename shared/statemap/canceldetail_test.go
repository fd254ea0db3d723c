package statemap

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestCanceledAndCancelRequestedDifferInDetailOnly: at document 003's own
// endpoint both a canceled session and one whose cancellation was
// requested are 410 SESSION_CANCELED ("Returns 410 if the session has been
// canceled"), and the README's "State mapping" tells them apart by the
// detail alone: "its 410 is final for a canceled session only (the code is
// SESSION_CANCELED for both, only the detail differs)". The README's
// walkthrough shows only the cancel request's detail, so a CANCELED
// answered with that same detail (r112-mutate, mutant S30) passed every
// test, leaving a client no way to tell a final 410 from one a declined
// cancellation undoes. The words themselves are not held here.
func TestCanceledAndCancelRequestedDifferInDetailOnly(t *testing.T) {
	_, canceled := Checkout(session.Canceled)
	_, requested := Checkout(session.CancelRequested)
	for _, err := range []error{canceled, requested} {
		if got, want := session.ErrorCode(err), session.EGONE; got != want {
			t.Errorf("code = %v; want %v", got, want)
		}
		if got, want := session.ErrorReason(err), session.ReasonSessionCanceled; got != want {
			t.Errorf("reason = %v; want %v", got, want)
		}
	}
	if c, r := session.ErrorMessage(canceled), session.ErrorMessage(requested); c == r || c == "" || r == "" {
		t.Errorf("details: canceled %q, cancel requested %q; want two details, each its own", c, r)
	}
}
