package session

import (
	"testing"
	"time"
)

// TestTurnsBetween holds the instants at which a read must be made again
// (docs/design.md §8: "a read that straddled the session's expiry or end of
// retention, made again"): the session expires at expiresAt itself, and is
// gone at its purge instant itself, open (expiresAt + retention) or closed
// (retainUntil). Only the store's tests reached TurnsBetween before; a
// mutant of any of its comparisons lived through this package's tests.
func TestTurnsBetween(t *testing.T) {
	open := newSession(t)
	exp := open.ExpiresAt
	purgeOpen := exp.Add(DefaultPolicy.Retention)

	closed := newSession(t)
	if _, err := closed.Apply(&Event{Status: Authorised}, t0.Add(time.Minute), DefaultPolicy); err != nil {
		t.Fatalf("Apply(AUTHORISED) = %v", err)
	}
	retain := closed.RetainUntil

	const ns = time.Nanosecond
	tests := []struct {
		name string
		s    *Session
		a, b time.Time
		want bool
	}{
		{"open, both before expiry", open, t0, exp.Add(-ns), false},
		{"open, across expiresAt", open, exp.Add(-ns), exp, true},
		{"open, from expiresAt on", open, exp, exp.Add(time.Minute), false},
		{"open, the same instant", open, exp, exp, false},
		{"open, both expired before purge", open, exp.Add(ns), purgeOpen.Add(-ns), false},
		{"open, across its purge", open, purgeOpen.Add(-ns), purgeOpen, true},
		{"open, both past its purge", open, purgeOpen, purgeOpen.Add(time.Hour), false},
		{"open, across both", open, t0, purgeOpen, true},
		{"closed, past expiresAt, before retainUntil", closed, exp.Add(-ns), exp.Add(ns), false},
		{"closed, across retainUntil", closed, retain.Add(-ns), retain, true},
		{"closed, from retainUntil on", closed, retain, retain.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.TurnsBetween(tt.a, tt.b, DefaultPolicy); got != tt.want {
				t.Errorf("TurnsBetween(%v, %v) = %v; want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestFamilyRules holds Reserved's and NeedsParent's rows, reached before
// only through the store: a system change is reserved room unless it
// follows a cancel request onto a closed session ("Only a followed cancel
// request is not reserved"), and a child's move reads its parent to take
// money or when the child is closed.
func TestFamilyRules(t *testing.T) {
	reserved := []struct {
		from, to Status
		want     bool
	}{
		{Created, Canceled, true},
		{Processing, CancelRequested, true},
		{Authorised, CancelRequested, false},
		{Authorised, Settled, true},
		{CancelRequested, Authorised, true},
		{Settled, FraudCancellationRequested, true},
	}
	for _, tt := range reserved {
		if got := Reserved(tt.from, tt.to); got != tt.want {
			t.Errorf("Reserved(%s, %s) = %v; want %v", tt.from, tt.to, got, tt.want)
		}
	}

	needs := []struct {
		name   string
		parent string
		from   Status
		to     Status
		want   bool
	}{
		{"no parent, taking money", "", Created, Authorised, false},
		{"open child taking money", "p-1", Created, Authorised, true},
		{"open child settling", "p-1", Processing, Settled, true},
		{"open child between open statuses", "p-1", Created, Processing, false},
		{"open child failing", "p-1", Created, Failed, false},
		{"closed child asked to cancel", "p-1", Authorised, CancelRequested, true},
		{"no parent, closed child", "", Authorised, Settled, false},
	}
	for _, tt := range needs {
		child := &Session{ParentSessionID: tt.parent, Status: tt.from}
		if got := NeedsParent(child, tt.to); got != tt.want {
			t.Errorf("%s: NeedsParent(%s → %s) = %v; want %v", tt.name, tt.from, tt.to, got, tt.want)
		}
	}
}

// TestInstantsKeptTo100ns: docs/design.md §4, "Times are exact to 100 ns":
// an instant is kept to 100 ns, neither finer nor coarser, in UTC.
func TestInstantsKeptTo100ns(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.FixedZone("", 2*3600))
	want := time.Date(2026, 11, 23, 10, 0, 0, 123456700, time.UTC)
	s := New(&Draft{Amount: amount(1), Currency: "EUR"}, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", at, DefaultPolicy)
	if got := s.CreatedAt; got != want {
		t.Errorf("CreatedAt = %v; want %v", got, want)
	}
	if got := Normalize(at); got != want {
		t.Errorf("Normalize(%v) = %v; want %v", at, got, want)
	}
}
