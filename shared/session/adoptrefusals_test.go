package session

import (
	"testing"
	"time"
)

// TestAdoptRefusesParents: "the parent must be the same merchant's and
// open (400 VALIDATION_FAILED for an unknown or another merchant's
// parent, 409 PARENT_NOT_OPEN for a closed or expired one, or one within
// WRITE_GUARD of its expiresAt, which still reads open but takes no more
// writes); one level only (a child has no children)" (README), and a
// session within WRITE_GUARD of the end of its retention is, for a write,
// unknown: "past its retention
// (all alike; for a write, also within WRITE_GUARD of the end of
// retention)" (README). Adopt is the domain's guard for each; the store
// checks the merchant itself too, so only this test sees Adopt's own
// check of it.
func TestAdoptRefusesParents(t *testing.T) {
	p := DefaultPolicy
	tests := []struct {
		name   string
		parent func(t *testing.T) *Session
		now    func(parent *Session) time.Time
		code   Code
		reason string
		field  string
	}{
		{"another merchant's parent", func(t *testing.T) *Session {
			s := newSession(t)
			s.MerchantID = "m-2"
			return s
		}, func(*Session) time.Time { return t0.Add(time.Minute) }, EINVALID, ReasonValidation, "parentSessionId"},
		{"a parent that is itself a child", func(t *testing.T) *Session {
			s := newSession(t)
			s.ParentSessionID = "5a1e3c1e-0000-4000-8000-0000000000ff"
			return s
		}, func(*Session) time.Time { return t0.Add(time.Minute) }, EINVALID, ReasonValidation, "parentSessionId"},
		{"a closed parent within WRITE_GUARD of the end of its retention", func(t *testing.T) *Session {
			s := newSession(t)
			if err := s.Cancel("", t0.Add(time.Minute), p); err != nil {
				t.Fatal(err)
			}
			return s
		}, func(s *Session) time.Time { return s.RetainUntil.Add(-p.WriteGuard) }, EINVALID, ReasonValidation, "parentSessionId"},
		{"a closed parent before its band", func(t *testing.T) *Session {
			s := newSession(t)
			if err := s.Cancel("", t0.Add(time.Minute), p); err != nil {
				t.Fatal(err)
			}
			return s
		}, func(s *Session) time.Time { return s.RetainUntil.Add(-p.WriteGuard - time.Nanosecond) }, ECONFLICT, ReasonParentNotOpen, ""},
		{"an open parent in its guard band before expiresAt", newSession,
			func(s *Session) time.Time { return s.ExpiresAt.Add(-p.WriteGuard) }, ECONFLICT, ReasonParentNotOpen, ""},
		{"an open parent", newSession,
			func(s *Session) time.Time { return s.ExpiresAt.Add(-p.WriteGuard - time.Nanosecond) }, "", "", ""},
	}
	for _, tt := range tests {
		parent := tt.parent(t)
		now := tt.now(parent)
		child := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", now, p)
		err := Adopt(parent, child, nil, now, p)
		var code Code
		var reason, field string
		if err != nil {
			code, reason, field = ErrorCode(err), ErrorReason(err), ErrorField(err)
		}
		if code != tt.code || reason != tt.reason || field != tt.field {
			t.Errorf("%s: Adopt() = %v (%v %v %v); want %v %v %v", tt.name, err, code, reason, field, tt.code, tt.reason, tt.field)
		}
		linked := parent.ChildSessionID == child.ID && child.ParentSessionID == parent.ID
		if got, want := linked, err == nil; got != want {
			t.Errorf("%s: linked %v; want %v", tt.name, got, want)
		}
	}
}

// TestAdoptMakesTheChildAtNow: "A change is made no earlier than the
// latest change it read" (docs/design.md §8), and the child "never expires
// before its parent either (their guard bands coincide)" (README): a child
// drafted at a clock behind the parent's creator's is made at the instant
// that adopts it, its creation, its history's first entry and its expiresAt
// with it; a child drafted at that instant or later is left as drafted.
func TestAdoptMakesTheChildAtNow(t *testing.T) {
	p := DefaultPolicy
	drafted := t0.Add(time.Minute)
	tests := []struct {
		name    string
		adopted time.Time // the parent's creation, and the instant that adopts
		made    time.Time // the child's createdAt after
	}{
		{"drafted behind", drafted.Add(700 * time.Millisecond), drafted.Add(700 * time.Millisecond)},
		{"drafted at the instant", drafted, drafted},
		{"drafted ahead", drafted.Add(-700 * time.Millisecond), drafted},
	}
	for _, tt := range tests {
		parent := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "38ecb39d-ea98-443f-94d3-557404881d37", "tok", tt.adopted, p)
		child := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", drafted, p)
		if err := Adopt(parent, child, nil, tt.adopted, p); err != nil {
			t.Fatalf("%s: Adopt() = %v; want nil", tt.name, err)
		}
		got := []time.Time{child.CreatedAt, child.UpdatedAt, child.History[0].At, child.ExpiresAt}
		want := []time.Time{tt.made, tt.made, tt.made, minTime(tt.made.Add(p.Expiry), parent.ExpiresAt)}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s: createdAt, updatedAt, history[0].at, expiresAt = %v; want %v", tt.name, got, want)
				break
			}
		}
		if child.ExpiresAt.Before(parent.ExpiresAt) && tt.adopted.After(drafted) {
			t.Errorf("%s: child expires at %v, before its parent (%v)", tt.name, child.ExpiresAt, parent.ExpiresAt)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
