package session

import (
	"fmt"
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

// TestApplyToChild: "A child can never reach AUTHORISED or SETTLED under a
// closed parent: 409 PARENT_CLOSED", "A child reaching AUTHORISED or
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
		// The child already holds money taken while the parent was open,
		// and the parent shows it: the parent follows the child.
		{"authorised child settles", nil, []Status{Authorised}, false, Settled, "", Settled},
		{"authorised child canceled", nil, []Status{Authorised}, false, Canceled, "", Canceled},
		{"authorised child fails", nil, []Status{Authorised}, false, Failed, "", Failed},
		{"authorised child's cancel requested", nil, []Status{Authorised}, false, CancelRequested, "", CancelRequested},
		{"child's cancel declined", nil, []Status{Authorised, CancelRequested}, false, Authorised, "", Authorised},
		{"child's cancel done", nil, []Status{Authorised, CancelRequested}, false, Canceled, "", Canceled},
		{"settled child under fraud cancellation", nil, []Status{Settled}, false, FraudCancellationRequested, "", FraudCancellationRequested},
		{"fraud-canceled child canceled", nil, []Status{Settled, FraudCancellationRequested}, false, Canceled, "", Canceled},
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

// TestFollowChildOnlyWhileShowingIt: a parent follows its child only while
// its status is the one that child set; once its own processor or merchant
// has moved it, it shows its own status and stays.
func TestFollowChildOnlyWhileShowingIt(t *testing.T) {
	at := t0.Add(90 * time.Second)
	for _, tc := range []struct {
		name   string
		own    func(parent *Session) error // the parent's own change after the child's AUTHORISED
		parent Status                      // after that change, and after the child's CANCELED
	}{
		{"processor settles the parent", func(p *Session) error { _, err := p.Apply(&Event{Status: Settled}, at, DefaultPolicy); return err }, Settled},
		{"merchant cancels the parent", func(p *Session) error { return p.Cancel("", at, DefaultPolicy) }, CancelRequested},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, child := family(t)
			if _, changed, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || !changed || parent.Status != Authorised {
				t.Fatalf("child AUTHORISED: parent %s, changed %v, %v; want AUTHORISED", parent.Status, changed, err)
			}
			if err := tc.own(parent); err != nil {
				t.Fatal(err)
			}
			applied, changed, err := ApplyToChild(child, parent, &Event{Status: Canceled}, at.Add(time.Second), DefaultPolicy)
			if err != nil || !applied || changed || parent.Status != tc.parent {
				t.Errorf("child CANCELED = %v, %v: parent %s (changed %v); want %s, unchanged", applied, err, parent.Status, changed, tc.parent)
			}
		})
	}
}

// TestFollowChildBeforeTheChildChanged: a parent "follows the child's
// later changes" (docs/design.md §4, "A parent that shows its child's
// money ... follows the child's later changes its own lifecycle allows"):
// a child that has not changed since its creation has no change to follow,
// and FollowChild says so (false, no error) rather than reading before
// the child's first entry (a mutant of its length guard, n < 1 for n < 2,
// lived, and panics here).
func TestFollowChildBeforeTheChildChanged(t *testing.T) {
	parent, child := family(t)
	changed, err := FollowChild(child, parent, t0.Add(2*time.Minute), DefaultPolicy)
	if changed || err != nil || parent.Status != Created {
		t.Errorf("FollowChild(unchanged child) = %v, %v, parent %s; want false, <nil>, parent CREATED", changed, err, parent.Status)
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

// TestFollowChildNotForgedByAReason: whether a parent shows its child's
// money is the system's record, not text a caller chose. A merchant who
// cancels the parent with the reason the system writes when it follows
// the child ("Child session … reached CANCEL_REQUESTED.") still canceled
// the parent: the child's declined cancellation cannot take the money back
// under it (docs/design.md §4: "The family rules keep money from being
// taken twice or under a canceled parent"), and the parent does not follow.
func TestFollowChildNotForgedByAReason(t *testing.T) {
	at := t0.Add(90 * time.Second)
	parent, child := family(t)
	if _, _, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || parent.Status != Authorised {
		t.Fatalf("child AUTHORISED: parent %s, %v; want AUTHORISED", parent.Status, err)
	}
	if err := parent.Cancel(ChildReason(child.ID, CancelRequested), at.Add(time.Second), DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	if err := child.Cancel("", at.Add(2*time.Second), DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	if changed, err := FollowChild(child, parent, at.Add(2*time.Second), DefaultPolicy); err != nil || changed {
		t.Fatalf("FollowChild(child CANCEL_REQUESTED) = %v, %v; want false (the parent's status is its merchant's)", changed, err)
	}
	applied, changed, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at.Add(3*time.Second), DefaultPolicy)
	if ErrorCode(err) != ECONFLICT || ErrorReason(err) != ReasonParentClosed || applied || changed {
		t.Errorf("child's cancel declined under the parent its merchant canceled = %v, %v, %v; want 409 %s", applied, changed, err, ReasonParentClosed)
	}
	if parent.Status != CancelRequested {
		t.Errorf("parent %s; want CANCEL_REQUESTED (its merchant's)", parent.Status)
	}
}

// TestFollowingKeepsTheParentsHistoryBounded: "a history never exceeds 100
// entries" (README, Decisions), which the OpenAPI schema states too
// (maxItems: 100). A parent that shows its child's money records each of
// the child's changes; the child's cancel requests and declined
// cancellations can repeat, so they are refused (409 HISTORY_FULL) once the
// parent's history holds MaxHistory-MaxHistoryReserve entries, and the
// child's money can still close (CANCELED), the parent with it.
func TestFollowingKeepsTheParentsHistoryBounded(t *testing.T) {
	parent, child := family(t)
	at := t0.Add(90 * time.Second)
	// The parent's own processor fills much of its history with open
	// statuses.
	fillOpen(t, parent, MaxHistory-MaxHistoryReserve-20, at)
	if _, _, err := ApplyToChild(child, parent, &Event{Status: Authorised}, at, DefaultPolicy); err != nil || parent.Status != Authorised {
		t.Fatalf("child AUTHORISED: parent %s, %v", parent.Status, err)
	}
	var refused error
	for i := 0; i < 2*MaxHistory && refused == nil; i++ {
		now := at.Add(time.Duration(i+1) * time.Second)
		c := child.Clone()
		if child.Status == Authorised {
			if refused = c.Cancel("", now, DefaultPolicy); refused == nil {
				_, refused = FollowChild(c, parent, now, DefaultPolicy)
			}
		} else {
			_, _, refused = ApplyToChild(c, parent, &Event{Status: Authorised}, now, DefaultPolicy)
		}
		if refused == nil {
			child = c
		}
		if len(parent.History) > MaxHistory {
			t.Fatalf("after %d of the child's changes the parent's history holds %d entries; want at most %d", i+1, len(parent.History), MaxHistory)
		}
	}
	if ErrorCode(refused) != ECONFLICT || ErrorReason(refused) != ReasonHistoryFull {
		t.Fatalf("the child's cycle ended with %v; want 409 %s", refused, ReasonHistoryFull)
	}
	if child.Status != Authorised {
		// Stopped between a request and its answer, the child could
		// never settle (TestFollowedCancelRequestAlwaysGetsItsAnswer).
		t.Fatalf("the child's cycle stopped at %s; want AUTHORISED (a cancel request refused)", child.Status)
	}
	for _, st := range []Status{Settled, FraudCancellationRequested, Canceled} {
		if _, _, err := ApplyToChild(child, parent, &Event{Status: st}, at.Add(5*time.Minute), DefaultPolicy); err != nil {
			t.Fatalf("child %s: %v; want applied (money can always close)", st, err)
		}
	}
	if parent.Status != Canceled || len(parent.History) > MaxHistory {
		t.Errorf("parent %s with %d entries; want CANCELED, at most %d", parent.Status, len(parent.History), MaxHistory)
	}
}

// fillOpen has s's processor alternate PROCESSING and SENT at at until its
// history holds n entries.
func fillOpen(t *testing.T, s *Session, n int, at time.Time) {
	t.Helper()
	for i := 0; len(s.History) < n; i++ {
		st := Processing
		if i%2 == 1 {
			st = Sent
		}
		if _, err := s.Apply(&Event{Status: st}, at, DefaultPolicy); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAdoptReplacesAChildPastItsLastWrite: "at most one open child at a
// time (a closed child may be replaced)" (docs/design.md §4). A child in
// its guard band before expiresAt takes no more writes (409
// SESSION_EXPIRED, as its parent there is PARENT_NOT_OPEN): it can never
// take money again, so it no longer blocks a replacement, which the
// client told "expired" would otherwise be refused for up to WRITE_GUARD.
// Before the band it still does.
func TestAdoptReplacesAChildPastItsLastWrite(t *testing.T) {
	short := DefaultPolicy
	short.Expiry = 10 * time.Minute // made under a shorter SESSION_EXPIRY: it expires before its parent
	tests := []struct {
		name   string
		before time.Duration // how long before the current child's expiresAt
		reason string
	}{
		{"before its guard band", DefaultPolicy.WriteGuard + time.Nanosecond, ReasonChildExists},
		{"at its guard band", DefaultPolicy.WriteGuard, ""},
		{"inside its guard band", time.Second, ""},
		{"expired", -time.Second, ""},
	}
	for _, tt := range tests {
		parent := newSession(t)
		current := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000001", "tok", t0.Add(time.Minute), short)
		if err := Adopt(parent, current, nil, t0.Add(time.Minute), DefaultPolicy); err != nil {
			t.Fatal(err)
		}
		now := current.ExpiresAt.Add(-tt.before)
		next := New(&Draft{Amount: amount(1), Currency: "ZAR"}, "m-1", "5a1e3c1e-0000-4000-8000-000000000002", "tok", now, DefaultPolicy)
		err := Adopt(parent, next, current, now, DefaultPolicy)
		got := ""
		if err != nil {
			got = ErrorReason(err)
		}
		if got != tt.reason {
			t.Errorf("%s: Adopt() = %v; want reason %q", tt.name, err, tt.reason)
		}
	}
}

// TestClosedChildUnderAnOpenParent: "a child can never reach AUTHORISED or
// SETTLED under a closed parent (409 PARENT_CLOSED)" (DESIGN) is about a
// closed parent; a child closed on its own (canceled, failed) under a
// parent still open, in its guard band, is refused by the lifecycle's
// table ("Any other move is 409 INVALID_TRANSITION", docs/design.md §4),
// not told its parent is closed. Under a closed or gone parent the answer
// stays PARENT_CLOSED, as the contract words it. Found by
// TestLifecycleModel, seed 1796076583251345546.
func TestClosedChildUnderAnOpenParent(t *testing.T) {
	p := DefaultPolicy
	inBand := t0.Add(p.Expiry - p.WriteGuard) // the parent's guard band
	later := t0.Add(21 * time.Minute)
	tests := []struct {
		name   string
		child  Status   // the child's event at t0+20m (its retention outlasts the parent's band)
		parent []Status // then the parent's, at t0+20m
		gone   bool     // the parent no longer exists
		at     time.Time
		to     Status
		reason string
	}{
		{"canceled child, parent open in its band", Canceled, nil, false, inBand, Authorised, ReasonInvalidTransition},
		{"canceled child, parent open in its band, settles", Canceled, nil, false, inBand, Settled, ReasonInvalidTransition},
		{"failed child, parent open in its band", Failed, nil, false, inBand, Authorised, ReasonInvalidTransition},
		{"canceled child, parent open", Canceled, nil, false, later, Authorised, ReasonInvalidTransition},
		// Under a closed or gone parent, the contract's words.
		{"failed child, parent canceled", Failed, []Status{Canceled}, false, later, Authorised, ReasonParentClosed},
		{"failed child, parent gone", Failed, nil, true, later, Settled, ReasonParentClosed},
		{"open child, parent canceled", "", []Status{Canceled}, false, later, Settled, ReasonParentClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, child := family(t)
			if tt.child != "" {
				if _, _, err := ApplyToChild(child, parent, &Event{Status: tt.child}, t0.Add(20*time.Minute), p); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range tt.parent {
				if _, err := parent.Apply(&Event{Status: st}, t0.Add(20*time.Minute), p); err != nil {
					t.Fatal(err)
				}
			}
			pp := parent
			if tt.gone {
				pp = nil
			}
			applied, parentChanged, err := ApplyToChild(child, pp, &Event{Status: tt.to}, tt.at, p)
			if ErrorCode(err) != ECONFLICT || ErrorReason(err) != tt.reason || applied || parentChanged {
				t.Errorf("ApplyToChild(%s) on a %s child = %v, %v, %v; want 409 %s", tt.to, child.Status, applied, parentChanged, err, tt.reason)
			}
		})
	}
}

// TestChildEventUnderAParentSweptOrNot: docs/design.md §4, "An open session
// is expired from the instant `expiresAt` is reached (`now >= expiresAt`),
// whether or not the sweeper has written it", and "no two endpoints
// disagree about a session": a parent past its expiresAt is closed
// (EXPIRED) whether its item still says open or the sweeper has stored
// EXPIRED, so no event on its child may be answered differently in the two
// cases. Every child status a family can reach, every event status, at
// instants from the parent's guard band to past the child's retention.
// The child's closing events come while the parent is open (t0+20m: the
// child's retention, to t0+35m, outlasts the parent's expiry at t0+30m).
// Before the fix, a child FAILED or CANCELED on its own under an expired,
// unswept parent was answered INVALID_TRANSITION, under the swept one
// PARENT_CLOSED (the contract's word for a closed parent): 16 rows failed
// (FAILED and CANCELED children, AUTHORISED and SETTLED, at four instants).
func TestChildEventUnderAParentSweptOrNot(t *testing.T) {
	p := DefaultPolicy
	exp := t0.Add(p.Expiry) // the parent's expiresAt (the child's too: capped)
	for _, childEvents := range [][]Status{
		nil, {Processing}, {Failed}, {Canceled}, {Authorised}, {Authorised, CancelRequested},
		{Settled}, {Settled, FraudCancellationRequested}, {Authorised, Canceled},
	} {
		for _, at := range []time.Time{exp.Add(-p.WriteGuard), exp.Add(-1), exp, exp.Add(100), exp.Add(time.Minute), t0.Add(35*time.Minute - p.WriteGuard - 1)} {
			for _, to := range Statuses {
				parent, child := family(t)
				for _, st := range childEvents {
					if _, _, err := ApplyToChild(child, parent, &Event{Status: st}, t0.Add(20*time.Minute), p); err != nil {
						t.Fatal(err)
					}
				}
				if !parent.Status.Open() || !parent.ExpiredAt(at) {
					continue // the parent reads the same, swept or not
				}
				swept := parent.Clone()
				swept.expire(p)
				answer := func(parent *Session) string {
					c := child.Clone()
					applied, parentChanged, err := ApplyToChild(c, parent, &Event{Status: to}, at, p)
					return fmt.Sprintf("%v %v %s %s -> %s", applied, parentChanged, ErrorCode(err), ErrorReason(err), c.Status)
				}
				if got, want := answer(parent.Clone()), answer(swept); got != want {
					t.Errorf("%s child %v, event %s at exp%+v: unswept parent %s; swept parent %s", child.Status, childEvents, to, at.Sub(exp), got, want)
				}
			}
		}
	}
}
