package session

import (
	"testing"
	"time"
)

// TestCancelKeepsTheMerchantsReason: README's cancel example sends
// {"reason":"Buyer changed their mind."} and answers "statusReason":"Buyer
// changed their mind." with the history entry's "reason" the same; a
// cancel without a reason records the system's own (ReasonMerchantCancel,
// ReasonMerchantCancelRq). And the change's instant is kept "at the
// precision the service keeps (100 ns)" (Normalize), whatever the clock
// read.
func TestCancelKeepsTheMerchantsReason(t *testing.T) {
	now := t0.Add(time.Minute + 7*time.Nanosecond)
	tests := []struct {
		from   Status
		reason string
		to     Status
		want   string
	}{
		{Created, "Buyer changed their mind.", Canceled, "Buyer changed their mind."},
		{Created, "", Canceled, ReasonMerchantCancel},
		{Authorised, "Buyer changed their mind.", CancelRequested, "Buyer changed their mind."},
		{Authorised, "", CancelRequested, ReasonMerchantCancelRq},
	}
	for _, tt := range tests {
		s := newSession(t)
		if tt.from != Created {
			if _, err := s.Apply(&Event{Status: tt.from}, t0.Add(time.Second), DefaultPolicy); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Cancel(tt.reason, now, DefaultPolicy); err != nil {
			t.Fatalf("%s, reason %q: Cancel() = %v", tt.from, tt.reason, err)
		}
		last := s.History[len(s.History)-1]
		got := []any{s.Status, s.StatusReason, last.Reason, s.UpdatedAt, last.At}
		want := []any{tt.to, tt.want, tt.want, Normalize(now), Normalize(now)}
		for i := range got {
			if g, ok := got[i].(time.Time); ok && g.Equal(want[i].(time.Time)) || got[i] == want[i] {
				continue
			}
			t.Errorf("%s, reason %q: status, statusReason, history reason, updatedAt, at = %v; want %v", tt.from, tt.reason, got, want)
			break
		}
	}
}

// TestExpiredSessionReadsItsExpiry: "an open session past expiresAt is
// reported EXPIRED (closedAt = expiresAt, a history entry at expiresAt),
// exactly as the sweeper will store it" (At), the sweeper storing
// ExpiryOf's status, reason and instants: a read of an unswept session
// shows the expiry's statusReason, not the open session's last one.
func TestExpiredSessionReadsItsExpiry(t *testing.T) {
	s := newSession(t)
	if _, err := s.Apply(&Event{Status: Processing, Reason: "Buyer is paying."}, t0.Add(time.Second), DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	v, err := s.At(s.ExpiresAt, DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	e := ExpiryOf(s.ExpiresAt, DefaultPolicy)
	last := v.History[len(v.History)-1]
	got := []any{v.Status, v.StatusReason, last.Reason}
	want := []any{e.Status, e.Reason, e.Change.Reason}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("At(expiresAt): status, statusReason, history reason = %v; want %v", got, want)
			break
		}
	}
	if s.Status != Processing || s.StatusReason != "Buyer is paying." {
		t.Errorf("the stored session after At: %s %q; want PROCESSING \"Buyer is paying.\" (unchanged)", s.Status, s.StatusReason)
	}
}

// TestSweptSessionRefusesWritesAsExpired: a write to a session the sweeper
// stored EXPIRED is "refused as it was before the sweeper ran
// (docs/design.md §4), not as an invalid transition" (writable): 409
// SESSION_EXPIRED, the same answer as a write after expiresAt to the
// unswept session, for a processor's event and a merchant's cancel alike.
func TestSweptSessionRefusesWritesAsExpired(t *testing.T) {
	for _, write := range []string{"event", "cancel"} {
		for _, swept := range []bool{false, true} {
			s := newSession(t)
			now := s.ExpiresAt.Add(time.Minute)
			if swept {
				v, err := s.At(now, DefaultPolicy)
				if err != nil || v.Status != Expired {
					t.Fatalf("At(after expiresAt) = %v, %v; want EXPIRED", v, err)
				}
				s = v
			}
			var err error
			if write == "event" {
				_, err = s.Apply(&Event{Status: Authorised}, now, DefaultPolicy)
			} else {
				err = s.Cancel("", now, DefaultPolicy)
			}
			if got := reasonOrNone(err); got != ReasonSessionExpired {
				t.Errorf("%s, swept %v: reason %q (%v); want %q", write, swept, got, err, ReasonSessionExpired)
			}
		}
	}
}

// TestProcessorEventReason: README's event example answers
// "statusReason":"Status updated to AUTHORISED by the payment processor."
// for an event without a reason; an event's own reason is kept.
func TestProcessorEventReason(t *testing.T) {
	tests := []struct{ reason, want string }{
		{"", "Status updated to AUTHORISED by the payment processor."},
		{"Approved by the issuer.", "Approved by the issuer."},
	}
	for _, tt := range tests {
		s := newSession(t)
		if _, err := s.Apply(&Event{Status: Authorised, Reason: tt.reason}, t0.Add(time.Minute), DefaultPolicy); err != nil {
			t.Fatal(err)
		}
		if got := []string{s.StatusReason, s.History[len(s.History)-1].Reason}; got[0] != tt.want || got[1] != tt.want {
			t.Errorf("event reason %q: statusReason, history reason = %v; want %q", tt.reason, got, tt.want)
		}
	}
}

// TestCloneSharesNothing: Clone "returns a deep copy of s, so a view or a
// change never aliases the original's slices and maps" (session.go): a
// change to the copy's metadata, decline reasons, history, card
// categories, result data or JSON objects (provider, payment method
// details, appearance) leaves the original's. Only the first two were
// held before: dropping the copy of any other lived through this
// package's tests.
func TestCloneSharesNothing(t *testing.T) {
	s := newSession(t)
	s.Metadata = map[string]string{"k": "v"}
	s.DeclineReasons = &DeclineReasons{Category: "SOFT_DECLINE", Reasons: []string{"Authentication required."}}
	s.CardCategories = []string{"VISA"}
	s.ResultData = map[string]string{"k": "v"}
	s.Provider = []byte(`{"a":1}`)
	s.PaymentMethodDetails = []byte(`{"b":2}`)
	s.Appearance = []byte(`{"c":3}`)
	c := s.Clone()
	c.Metadata["k"] = "changed"
	c.DeclineReasons.Category = "changed"
	c.DeclineReasons.Reasons[0] = "changed"
	c.History[0].Reason = "changed"
	c.CardCategories[0] = "changed"
	c.ResultData["k"] = "changed"
	c.Provider[0] = 'x'
	c.PaymentMethodDetails[0] = 'x'
	c.Appearance[0] = 'x'
	got := []string{s.Metadata["k"], s.DeclineReasons.Category, s.DeclineReasons.Reasons[0],
		s.History[0].Reason, s.CardCategories[0], s.ResultData["k"], string(s.Provider), string(s.PaymentMethodDetails), string(s.Appearance)}
	want := []string{"v", "SOFT_DECLINE", "Authentication required.",
		ReasonCreated, "VISA", "v", `{"a":1}`, `{"b":2}`, `{"c":3}`}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("the original after changing its clone: metadata, category, reasons, history, card categories, result data, provider, payment method details, appearance = %v; want %v", got, want)
			break
		}
	}
}
