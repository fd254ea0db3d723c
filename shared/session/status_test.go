package session

import "testing"

// allowed is docs/design.md §4 written out pair by pair, independently of the
// implementation's tables.
func allowed() map[[2]Status]bool {
	open := []Status{Created, Processing, Sent, RequestReceived, RequiresAction, OTPPending}
	m := map[[2]Status]bool{}
	for _, from := range open {
		for _, to := range open {
			m[[2]Status{from, to}] = true
		}
		for _, to := range []Status{Authorised, Settled, Failed, Canceled} {
			m[[2]Status{from, to}] = true
		}
	}
	for _, p := range [][2]Status{
		{Authorised, Settled}, {Authorised, CancelRequested}, {Authorised, Canceled},
		{Authorised, Failed}, {Authorised, FraudCancellationRequested},
		{Settled, FraudCancellationRequested},
		{CancelRequested, Canceled}, {CancelRequested, Authorised},
		{FraudCancellationRequested, Canceled},
	} {
		m[p] = true
	}
	return m
}

func TestCanTransitionEveryPair(t *testing.T) {
	want := allowed()
	for _, from := range Statuses {
		for _, to := range Statuses {
			got := CanTransition(from, to)
			if got != want[[2]Status{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v; want %v", from, to, got, want[[2]Status{from, to}])
			}
		}
	}
}

func TestStatusClasses(t *testing.T) {
	if len(Statuses) != 13 {
		t.Fatalf("len(Statuses) = %d; want 13", len(Statuses))
	}
	tests := []struct {
		s           Status
		open, final bool
	}{
		{Created, true, false}, {Processing, true, false}, {Sent, true, false},
		{RequestReceived, true, false}, {RequiresAction, true, false}, {OTPPending, true, false},
		{Authorised, false, false}, {Settled, false, false}, {Failed, false, true},
		{CancelRequested, false, false}, {Canceled, false, true}, {Expired, false, true},
		{FraudCancellationRequested, false, false},
	}
	for _, tt := range tests {
		if got := tt.s.Open(); got != tt.open {
			t.Errorf("%s.Open() = %v; want %v", tt.s, got, tt.open)
		}
		if got := tt.s.Final(); got != tt.final {
			t.Errorf("%s.Final() = %v; want %v", tt.s, got, tt.final)
		}
		if !tt.s.Valid() {
			t.Errorf("%s.Valid() = false; want true", tt.s)
		}
	}
	for _, s := range []Status{"", "created", "Pending", "EXPIRED "} {
		if s.Valid() {
			t.Errorf("Status(%q).Valid() = true; want false", s)
		}
	}
	for _, to := range Statuses {
		for _, from := range Statuses {
			if to.Final() && !from.Final() {
				continue
			}
			if from.Final() && CanTransition(from, to) {
				t.Errorf("final %s may move to %s", from, to)
			}
		}
	}
}
