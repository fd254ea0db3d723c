package session

import (
	"testing"
	"time"
)

// TestFollowedCancelRequestAlwaysGetsItsAnswer: a CANCEL_REQUESTED session
// may move to "CANCELED, AUTHORISED" (docs/design.md §4), and a parent that
// shows its child's money follows the child's later changes, "or a
// declined cancellation back to AUTHORISED" (FollowChild). A merchant who
// keeps asking to cancel a child's payment that the processor keeps
// declining fills the parent's history; the cycle must stop at a cancel
// request, never between a request and its answer. Stopped after a
// request, the processor's declined cancellation (AUTHORISED) is refused
// 409 HISTORY_FULL for ever, and from CANCEL_REQUESTED the child can never
// be SETTLED: money taken and never shown settled. Whether it stopped there
// depended on the parity of the parent's own history, so every parity is
// tried.
func TestFollowedCancelRequestAlwaysGetsItsAnswer(t *testing.T) {
	for opens := 0; opens < 4; opens++ {
		parent, child := family(t)
		at := t0.Add(90 * time.Second)
		fillOpen(t, parent, MaxHistory-MaxHistoryReserve-20+opens, at)
		if _, _, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || parent.Status != Authorised {
			t.Fatalf("opens %d: child AUTHORISED: parent %s, %v", opens, parent.Status, err)
		}
		for i := 0; i < 2*MaxHistory; i++ {
			now := at.Add(time.Duration(i+1) * time.Second)
			c, p := child.Clone(), parent.Clone()
			var err error
			if child.Status == Authorised {
				if err = c.Cancel("", now, DefaultPolicy); err == nil {
					_, err = FollowChild(c, p, now, DefaultPolicy)
				}
				if err != nil {
					break // the merchant's request refused: the cycle stops here
				}
			} else {
				// The processor declines the cancellation: its answer.
				if _, _, err = ApplyToChild(c, p, &Event{Status: Authorised, Reason: "Cancellation declined."}, now, DefaultPolicy); err != nil {
					t.Fatalf("opens %d: declined cancellation with the parent at %d entries = %v; want recorded (the answer to a request the child and parent both show)", opens, len(parent.History), err)
				}
			}
			child, parent = c, p
		}
		if child.Status != Authorised || parent.Status != Authorised {
			t.Fatalf("opens %d: the cycle stopped with the child %s, the parent %s; want both AUTHORISED", opens, child.Status, parent.Status)
		}
		for _, st := range []Status{Settled, FraudCancellationRequested, Canceled} {
			if _, _, err := ApplyToChild(child, parent, &Event{Status: st}, at.Add(5*time.Minute), DefaultPolicy); err != nil {
				t.Fatalf("opens %d: child %s: %v; want applied (money can always close)", opens, st, err)
			}
			if parent.Status != st {
				t.Errorf("opens %d: child %s; parent %s, want it followed", opens, st, parent.Status)
			}
		}
		if len(parent.History) > MaxHistory || len(child.History) > MaxHistory {
			t.Errorf("opens %d: parent %d, child %d entries; want at most %d", opens, len(parent.History), len(child.History), MaxHistory)
		}
	}
}
