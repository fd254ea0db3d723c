package session

import (
	"testing"
	"time"
)

// TestChildSettlesUnderAParentShowingMoneyByItsOwnProcessor: "A child
// already AUTHORISED holds money taken while the parent was open and may
// still settle while the parent shows that money (AUTHORISED or SETTLED),
// never once the parent is CANCELED, FAILED,
// CANCEL_REQUESTED or FRAUD_CANCELLATION_REQUESTED (409 PARENT_CLOSED)"
// (docs/design.md §4). The parent's status counts, whoever set it: here
// the parent's own processor, declining the merchant's cancellation, set
// it AUTHORISED again, so it no longer shows the child's change as the
// system made it, and the child may still settle. The parent stays as its
// own processor left it: "A parent its own processor or merchant has
// moved since shows its own status and does not follow" (README), and only
// "A child reaching `AUTHORISED` or `SETTLED` moves an open parent to the
// same status" (docs/design.md §4), an open one: a mutant that let the
// child's settlement move this closed parent to SETTLED lived.
func TestChildSettlesUnderAParentShowingMoneyByItsOwnProcessor(t *testing.T) {
	at := t0.Add(2 * time.Minute)
	tests := []struct {
		name   string
		parent []Status // the parent's own processor's events after the merchant's cancel request
		reason string   // of the child's SETTLED
		status Status   // the parent's after, unchanged
	}{
		{"parent AUTHORISED again", []Status{Authorised}, "", Authorised},
		{"parent SETTLED", []Status{Authorised, Settled}, "", Settled},
		{"parent CANCEL_REQUESTED", nil, ReasonParentClosed, CancelRequested},
		{"parent CANCELED", []Status{Canceled}, ReasonParentClosed, Canceled},
	}
	for _, tt := range tests {
		parent, child := family(t)
		if _, changed, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || !changed {
			t.Fatalf("%s: child AUTHORISED: changed %v, %v", tt.name, changed, err)
		}
		if err := parent.Cancel("", at.Add(time.Second), DefaultPolicy); err != nil {
			t.Fatalf("%s: the merchant's cancel of the parent: %v", tt.name, err)
		}
		for i, st := range tt.parent {
			if _, err := parent.Apply(&Event{Status: st}, at.Add(time.Duration(2+i)*time.Second), DefaultPolicy); err != nil {
				t.Fatalf("%s: parent %s: %v", tt.name, st, err)
			}
		}
		_, changed, err := ApplyToChild(child, parent, &Event{Status: Settled}, at.Add(time.Minute), DefaultPolicy)
		if got := reasonOrNone(err); got != tt.reason {
			t.Errorf("%s: child SETTLED reason %q (%v); want %q", tt.name, got, err, tt.reason)
		}
		if changed || parent.Status != tt.status {
			t.Errorf("%s: after the child's SETTLED the parent is %s (changed %v); want %s, unchanged", tt.name, parent.Status, changed, tt.status)
		}
	}
}

// TestProcessorsCancelRequestOnAChildRefusedAtNinetyEntries: "The child's
// cancel request, which can repeat, is refused (409 HISTORY_FULL) when the
// parent's history holds 90 entries" (docs/design.md §4), whoever asks:
// here the child's processor reports CANCEL_REQUESTED, and ApplyToChild
// answers FollowChild's refusal, so the caller writes nothing.
func TestProcessorsCancelRequestOnAChildRefusedAtNinetyEntries(t *testing.T) {
	tests := []struct {
		parentEntries int
		reason        string
		applied       bool
		parentTo      Status
	}{
		{MaxHistory - MaxHistoryReserve - 1, "", true, CancelRequested},
		{MaxHistory - MaxHistoryReserve, ReasonHistoryFull, false, Authorised},
	}
	for _, tt := range tests {
		parent, child := family(t)
		at := t0.Add(2 * time.Minute)
		fillOpen(t, parent, tt.parentEntries-1, at)
		if _, _, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || len(parent.History) != tt.parentEntries {
			t.Fatalf("%d entries: child AUTHORISED: parent holds %d entries, %v", tt.parentEntries, len(parent.History), err)
		}
		applied, changed, err := ApplyToChild(child, parent, &Event{Status: CancelRequested, EventID: "ev-1"}, at.Add(time.Second), DefaultPolicy)
		if got := reasonOrNone(err); got != tt.reason || applied != tt.applied || changed != tt.applied || parent.Status != tt.parentTo {
			t.Errorf("%d entries: ApplyToChild(CANCEL_REQUESTED) = %v, %v, reason %q, parent %s; want %v, %v, reason %q, parent %s",
				tt.parentEntries, applied, changed, got, parent.Status, tt.applied, tt.applied, tt.reason, tt.parentTo)
		}
	}
}
