package session

import (
	"testing"
	"time"
)

// TestHistoryBoundsAreTheDocumentedNumbers: "processor events and cancels
// are refused with 409 HISTORY_FULL once a session has 100 entries, and
// events between open statuses already at 90 ... A cancel request is
// refused at 96 entries and a declined cancellation (CANCEL_REQUESTED back
// to AUTHORISED) at 97" (README). The numbers are written out here: the
// other history tests count from MaxHistory and MaxHistoryReserve, so a
// change of either constant moved every bound without a test noticing.
func TestHistoryBoundsAreTheDocumentedNumbers(t *testing.T) {
	tests := []struct {
		from    Status
		entries int
		to      Status // by a processor event; CancelRequested by the merchant's cancel
		reason  string // "" = applied
	}{
		{Processing, 89, Sent, ""},
		{Processing, 90, Sent, ReasonHistoryFull},
		{Processing, 99, Authorised, ""},
		{Processing, 100, Authorised, ReasonHistoryFull},
		{Authorised, 95, CancelRequested, ""},
		{Authorised, 96, CancelRequested, ReasonHistoryFull},
		{CancelRequested, 96, Authorised, ""},
		{CancelRequested, 97, Authorised, ReasonHistoryFull},
		{Authorised, 99, Settled, ""},
		{Authorised, 100, Settled, ReasonHistoryFull},
		{CancelRequested, 99, Canceled, ""},
		{CancelRequested, 100, Canceled, ReasonHistoryFull},
	}
	for _, tt := range tests {
		s := newSession(t)
		at := t0.Add(time.Minute)
		s.Status = tt.from
		if !tt.from.Open() {
			s.ClosedAt, s.RetainUntil = at, at.Add(DefaultPolicy.Retention)
		}
		for len(s.History) < tt.entries {
			s.History = append(s.History, Change{Status: tt.from, Reason: "filler", At: at})
		}
		var err error
		if tt.to == CancelRequested {
			err = s.Cancel("", at, DefaultPolicy)
		} else {
			_, err = s.Apply(&Event{Status: tt.to}, at, DefaultPolicy)
		}
		if got := reasonOrNone(err); got != tt.reason {
			t.Errorf("%s with %d entries, to %s: reason %q (%v); want %q", tt.from, tt.entries, tt.to, got, err, tt.reason)
		}
	}
}
