package session

import (
	"testing"
	"time"
)

// TestMoneyCanAlwaysClose: docs/design.md §4 lets an AUTHORISED session
// move to "SETTLED, CANCEL_REQUESTED, CANCELED, FAILED,
// FRAUD_CANCELLATION_REQUESTED" and a CANCEL_REQUESTED one to "CANCELED,
// AUTHORISED", and bounds the history. A merchant who asks again and
// again to cancel a payment the processor keeps declining to cancel
// (AUTHORISED, CANCEL_REQUESTED, AUTHORISED, ...) fills the history; the
// cycle is refused (409 HISTORY_FULL) early enough that the processor's
// answer to the last request (a declined cancellation: AUTHORISED, or
// CANCELED) and then the money's own end (SETTLED,
// FRAUD_CANCELLATION_REQUESTED, CANCELED, or FAILED) are still recorded:
// an authorised payment stuck where no processor report can land would
// have the processor retry forever, and the money never shown settled.
func TestMoneyCanAlwaysClose(t *testing.T) {
	for opens := 0; opens < 4; opens++ { // the parity of the history decides where the cycle stops
		for _, end := range [][]Status{{Settled, FraudCancellationRequested, Canceled}, {Failed}, {Canceled}} {
			s := newSession(t)
			at := t0.Add(time.Second)
			for range opens {
				if _, err := s.Apply(&Event{Status: Processing}, at, DefaultPolicy); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Apply(&Event{Status: Authorised}, at, DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			var refused error
			for i := 0; refused == nil && i < 2*MaxHistory; i++ {
				if s.Status == Authorised {
					refused = s.Cancel("", at, DefaultPolicy)
				} else {
					_, refused = s.Apply(&Event{Status: Authorised, Reason: "Cancellation declined."}, at, DefaultPolicy)
				}
			}
			if ErrorReason(refused) != ReasonHistoryFull {
				t.Fatalf("opens %d: the cycle ended with %v; want %s", opens, refused, ReasonHistoryFull)
			}
			if s.Status == CancelRequested && end[0] != Canceled {
				// The processor declines the last cancellation.
				if _, err := s.Apply(&Event{Status: Authorised}, at, DefaultPolicy); err != nil {
					t.Fatalf("opens %d: declined cancellation at %d entries = %v; want recorded", opens, len(s.History), err)
				}
			}
			for _, st := range end {
				if _, err := s.Apply(&Event{Status: st}, at, DefaultPolicy); err != nil {
					t.Errorf("opens %d: %s -> %s at %d entries = %v; want recorded (the money's end)", opens, s.Status, st, len(s.History), err)
					break
				}
			}
			if len(s.History) > MaxHistory {
				t.Errorf("opens %d: %d entries; want at most %d", opens, len(s.History), MaxHistory)
			}
		}
	}
}
