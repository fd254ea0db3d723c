package session

import (
	"testing"
	"time"
)

// family makes an open parent and its open child, created at t0.
func family(t *testing.T) (parent, child *Session) {
	t.Helper()
	parent = newSession(t)
	child = New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), DefaultPolicy)
	if err := Adopt(parent, child, nil, t0.Add(time.Minute), DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	return parent, child
}

// TestApplyToChild: "a child can never reach AUTHORISED or SETTLED under a
// closed parent (409 PARENT_CLOSED) … A child reaching AUTHORISED or
// SETTLED moves an open parent to the same status" (docs/design.md §4).
func TestApplyToChild(t *testing.T) {
	at := t0.Add(2 * time.Minute)
	tests := []struct {
		name         string
		parentEvents []Status // applied to the parent first
		childEvents  []Status // then to the child
		gone         bool     // the parent no longer exists
		to           Status
		reason       string
		parentTo     Status // the parent's status after; "" = unchanged
	}{
		{"open parent follows", nil, nil, false, Authorised, "", Authorised},
		{"open parent follows a settlement", nil, nil, false, Settled, "", Settled},
		{"other statuses do not move the parent", nil, nil, false, Failed, "", ""},
		{"canceled parent", []Status{Canceled}, nil, false, Authorised, ReasonParentClosed, ""},
		{"failed parent", []Status{Failed}, nil, false, Settled, ReasonParentClosed, ""},
		{"authorised parent", []Status{Authorised}, nil, false, Authorised, ReasonParentClosed, ""},
		{"parent gone", nil, nil, true, Authorised, ReasonParentClosed, ""},
		{"closed parent, child fails", []Status{Canceled}, nil, false, Failed, "", ""},
		// The child already holds money taken while the parent was open.
		{"authorised child settles", nil, []Status{Authorised}, false, Settled, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, child := family(t)
			for _, st := range tt.parentEvents {
				if _, err := parent.Apply(&Event{Status: st}, t0.Add(90*time.Second), DefaultPolicy); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range tt.childEvents {
				if _, _, err := ApplyToChild(child, parent, &Event{Status: st}, t0.Add(90*time.Second), DefaultPolicy); err != nil {
					t.Fatal(err)
				}
			}
			p := parent
			if tt.gone {
				p = nil
			}
			before := parent.Status
			applied, parentChanged, err := ApplyToChild(child, p, &Event{Status: tt.to}, at, DefaultPolicy)
			if tt.reason != "" {
				if ErrorCode(err) != ECONFLICT || ErrorReason(err) != tt.reason || applied || parentChanged {
					t.Fatalf("ApplyToChild(%s) = %v, %v, %v; want 409 %s", tt.to, applied, parentChanged, err, tt.reason)
				}
				return
			}
			if err != nil || !applied {
				t.Fatalf("ApplyToChild(%s) = %v, %v; want applied", tt.to, applied, err)
			}
			want := tt.parentTo
			if want == "" {
				want = before
			}
			if parent.Status != want || parentChanged != (tt.parentTo != "") {
				t.Errorf("parent %s (changed %v); want %s", parent.Status, parentChanged, want)
			}
		})
	}
}

// TestCloseChild: an open child closes, CANCELED "Parent session closed.";
// a closed child, or one within its guard band (it accepts no write and
// reads EXPIRED from its expiresAt), is left as it is.
func TestCloseChild(t *testing.T) {
	_, child := family(t)
	if !CloseChild(child, t0.Add(2*time.Minute), DefaultPolicy) || child.Status != Canceled || child.StatusReason != ReasonParentClosedText {
		t.Errorf("CloseChild(open) = %s %q; want CANCELED %q", child.Status, child.StatusReason, ReasonParentClosedText)
	}
	if CloseChild(child, t0.Add(3*time.Minute), DefaultPolicy) {
		t.Errorf("CloseChild(closed) changed it")
	}
	_, child = family(t)
	if CloseChild(child, child.ExpiresAt.Add(-time.Second), DefaultPolicy) || child.Status != Created {
		t.Errorf("CloseChild within the guard band = %s; want left CREATED", child.Status)
	}
}
