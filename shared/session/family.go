package session

import "time"

// Parent and child sessions (document 003; docs/design.md §4). A session
// created with a parentSessionId becomes that session's child: same
// merchant, the parent open, one level only (a child has no children), and
// at most one open child at a time (a closed child may be replaced). The
// child's expiresAt is no later than the parent's.
//
// Money is never taken twice, nor under a closed parent:
//   - any close of a parent (a merchant cancel, a processor's CANCELED,
//     FAILED, AUTHORISED or SETTLED) closes an open child: CANCELED, "Parent
//     session closed." (CloseChild);
//   - a parent's expiry needs no write to the child: the child expires no
//     later, so it reads EXPIRED from then on, by itself, and the sweeper
//     stores that for each of them;
//   - a child can reach AUTHORISED or SETTLED only while its parent is open
//     (ECONFLICT PARENT_CLOSED otherwise), and the open parent then moves to
//     the same status (propagate) — that is not a close that cancels the
//     child. A child already AUTHORISED (or CANCEL_REQUESTED after it) holds
//     money taken while the parent was open: it may still settle (or be
//     AUTHORISED again when its cancellation is declined) while the parent
//     shows that money, AUTHORISED or SETTLED; not once the parent is
//     CANCELED, FAILED, CANCEL_REQUESTED or FRAUD_CANCELLATION_REQUESTED,
//     nor once it is gone (past its retention: nothing then says how it
//     ended), PARENT_CLOSED: money is never taken under a canceled parent;
//   - a parent that shows its child's money (its status was set by that
//     child: AUTHORISED or SETTLED, and what followed) follows the child's
//     later changes its own lifecycle allows (FollowChild): the child's
//     settlement, cancel request, cancellation, failure, fraud cancellation,
//     or a declined cancellation back to AUTHORISED. So a parent never shows
//     COMPLETED for money its child no longer holds (docs/design.md §5's
//     rule), and a parent canceled by its own merchant or processor is
//     not one that follows.
//
// The store writes each of these together in one transaction.

// ReasonParentClosedText is the reason recorded on a child closed because
// its parent closed.
const ReasonParentClosedText = "Parent session closed."

// ChildReason is recorded on a parent moved to status s by its child
// childID.
func ChildReason(childID string, s Status) string {
	return "Child session " + childID + " reached " + string(s) + "."
}

// Adopt makes child, a session being created, the child of parent at now.
// current is parent's present child as stored, or nil. It makes the child
// at now when it was drafted earlier (so never before its parent's latest
// change), caps the child's expiry at the parent's and links the two. The parent is written, so it
// must accept a write (the guard band applies to it).
func Adopt(parent, child, current *Session, now time.Time, p Policy) error {
	if parent.MerchantID != child.MerchantID {
		return Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
	}
	at := p.WriteAt(now)
	if !at.Before(parent.PurgeAt(p)) {
		return Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
	}
	if parent.ParentSessionID != "" {
		return Invalid("parentSessionId", "The parent is itself a child session; child sessions cannot have children.")
	}
	if !parent.Status.Open() || parent.ExpiredAt(at) {
		return Errorf(ECONFLICT, ReasonParentNotOpen, "The parent session is no longer open.")
	}
	// A present child in its guard band takes no more writes (it has
	// expired by the time a write could land, as the parent's check above
	// judges): it can never take money again, so it may be replaced.
	if current != nil && current.Status.Open() && !current.ExpiredAt(at) {
		return Errorf(ECONFLICT, ReasonChildExists, "The parent session already has an open child session (%s).", current.ID)
	}
	child.ParentSessionID = parent.ID
	// The child is made at now, the instant of the change that adopts
	// it, when it was drafted earlier: a change is made no earlier than
	// the latest change it read (docs/design.md §8), the parent's
	// creation among them. Drafted at a clock behind the parent's
	// creator's, it would expire before its parent, and a close of the
	// parent in between their guard bands would leave it open (CloseChild
	// leaves a child in its band as it is) beside a parent closed without
	// money.
	if now := Normalize(now); child.CreatedAt.Before(now) && len(child.History) == 1 {
		child.CreatedAt, child.UpdatedAt = now, now
		child.ExpiresAt = Normalize(now.Add(p.Expiry))
		child.History[0].At = now
	}
	if child.ExpiresAt.After(parent.ExpiresAt) {
		child.ExpiresAt = parent.ExpiresAt
	}
	parent.ChildSessionID = child.ID
	return nil
}

// Reserved reports whether a system change of a family member from status
// from to status to is one the store always finds room for in the item,
// however full the member's own writes have made it: closing an open
// session (propagate, CloseChild: once in its life), following a child's
// move that does not repeat (settlement, fraud cancellation, cancellation,
// failure: at most three), or following a declined cancellation (the
// answer to a cancel request that was followed). A processor's report on
// one member (its money taken, canceled, failed, its cancellation
// declined) is then never refused because the other is full: refusing it
// would have the processor retry it forever and the money never shown,
// and a child held in CANCEL_REQUESTED can never be settled. Only a
// followed cancel request is not reserved: requests repeat without end,
// so one is refused when the item is full, as a full history refuses it;
// each declined cancellation answers a request that fitted under the
// limit, so at most one uses the room (then settlement, fraud
// cancellation, cancellation). Every reserved change leaves the session
// closed, so the sweeper, which appends to open sessions only, never
// writes to a session that used the room.
func Reserved(from, to Status) bool { return from.Open() || to != CancelRequested }

// takesMoney reports whether a move to status to takes the payment.
func takesMoney(to Status) bool { return to == Authorised || to == Settled }

// NeedsParent reports whether moving child to status to must read (and
// write, or check) its parent in the same transaction: to take money,
// which needs an open parent; or because the child is closed, so a parent
// showing its money follows the change.
func NeedsParent(child *Session, to Status) bool {
	return child.ParentSessionID != "" && (takesMoney(to) || !child.Status.Open())
}

// showsChild reports whether parent's status is child's change shown, as
// the system set it: by that child (propagate or FollowChild, whose reason
// names it and the status, in the transaction that made shown, so at the
// same instant) and changed by no one since. The reason alone would not
// do: a merchant's cancel or a processor's event may carry any text.
func showsChild(parent, child *Session, shown Change) bool {
	return parent.ChildSessionID == child.ID && !parent.Status.Open() &&
		parent.Status == shown.Status && parent.UpdatedAt.Equal(shown.At) &&
		parent.StatusReason == ChildReason(child.ID, parent.Status)
}

// repeats reports whether a child's move to to can repeat without end: a
// cancel request and a declined cancellation (AUTHORISED again) alternate.
func repeats(to Status) bool { return to == CancelRequested || to == Authorised }

// FollowChild moves parent to child's status, just changed, when the
// parent showed the child's previous status (showsChild) and its lifecycle
// allows the move; it reports whether the parent changed. A parent within
// the guard band before the end of its retention accepts no write and
// stays as it is. The move is a system change, like propagate's, with one
// bound: the child's cancel requests repeat without end, so following one
// is refused (ECONFLICT HISTORY_FULL, and the caller writes nothing) once
// the parent's history holds MaxHistory-MaxHistoryReserve entries. Every
// other move follows: a declined cancellation (AUTHORISED again) answers a
// request the parent followed, and refusing it would hold the child in
// CANCEL_REQUESTED, where it can never be settled; the child's other moves
// (settlement, fraud cancellation, cancellation, failure: at most three
// more) end its money. So the child's money can always close and the
// parent's history never exceeds MaxHistory (at most
// MaxHistory-MaxHistoryReserve+4 entries through following).
func FollowChild(child, parent *Session, now time.Time, p Policy) (bool, error) {
	n := len(child.History)
	if n < 2 || !showsChild(parent, child, child.History[n-2]) || parent.Status == child.Status {
		return false, nil
	}
	now = Normalize(now)
	if parent.writable(now, p) != nil {
		return false, nil
	}
	if child.Status == CancelRequested && len(parent.History) >= MaxHistory-MaxHistoryReserve {
		return false, Errorf(ECONFLICT, ReasonHistoryFull, "The parent session's history is full (%d entries); it cannot follow this change of its child.", len(parent.History))
	}
	return parent.transition(child.Status, ChildReason(child.ID, child.Status), "", true, now, p) == nil, nil
}

// ApplyToChild applies a processor event to child at now, as Session.Apply
// does, under the parent rules: parent is the child's parent as stored
// (nil if it no longer exists; one past its retention at now, or within
// the guard band before it, counts as gone, its item deleted by TTL or
// not). A move to AUTHORISED or SETTLED is
// refused with ECONFLICT PARENT_CLOSED unless the parent is open at now
// (not past its expiresAt, swept or not) and, for an open child, accepts a
// write (a closed child's move under an open parent is the lifecycle
// table's INVALID_TRANSITION), or
// the child already holds money taken while the parent was open and the
// parent, still there, shows it (AUTHORISED, SETTLED, or the child's own
// status);
// when it is applied, an open parent moves to the same status, a parent
// that shows the child's money follows it (FollowChild, whose refusal
// refuses the event: the caller then writes nothing), and parentChanged
// reports either. A retried eventId is acknowledged (applied=false) before
// any of this, as in Apply. The decision rests on the parent as read: the
// caller writes the child only if the parent is unchanged (it writes or
// checks the parent in the same transaction).
func ApplyToChild(child, parent *Session, ev *Event, now time.Time, p Policy) (applied, parentChanged bool, err error) {
	if parent != nil && !p.WriteAt(now).Before(parent.PurgeAt(p)) {
		// Past its retention the parent is gone, whether or not DynamoDB
		// TTL has deleted its item yet (docs/design.md §4): the answer
		// must not depend on TTL's progress. Within the guard band
		// before that it counts as gone too, as it does for Adopt: the
		// child's write, checked against the parent as read, may land
		// once the parent is gone and has been read as such (404).
		parent = nil
	}
	// The parent as it is at now: past its expiresAt it is EXPIRED,
	// whether or not the sweeper has stored that (docs/design.md §4), so
	// the refusals below never depend on the sweeper's progress. The view
	// only decides; propagate and FollowChild change the parent as stored
	// (neither moves an expired one).
	view := parent
	if parent != nil && parent.ExpiredAt(Normalize(now)) {
		view, _ = parent.At(now, p)
	}
	check := func() error {
		if !takesMoney(ev.Status) {
			return nil
		}
		if child.Status == Authorised || child.Status == CancelRequested {
			// A parent gone (past its retention) shows nothing, and the
			// child's record does not say how it ended: a CANCELED parent
			// gone must not let its child take money it refused the
			// moment before (r95-lifecycle).
			if view == nil {
				return Errorf(ECONFLICT, ReasonParentClosed, "The parent session is gone; its child can no longer be authorised or settled.")
			}
			if view.Status == Authorised || view.Status == Settled || view.Status.Open() || showsChild(view, child, child.History[len(child.History)-1]) {
				return nil
			}
			return Errorf(ECONFLICT, ReasonParentClosed, "The parent session is %s; its child can no longer be authorised or settled.", view.Status)
		}
		if view == nil || !view.Status.Open() {
			return Errorf(ECONFLICT, ReasonParentClosed, "The parent session is closed; its child can no longer be authorised or settled.")
		}
		// The parent has since adopted another child, which Adopt allows
		// only once this one was in its guard band by the adopting
		// instance's clock and WRITE_GUARD: another instance (a clock
		// behind, a smaller WRITE_GUARD) may not find it there yet. Its
		// money would move the parent and leave the parent's current
		// child open under it; it takes none, as in the band.
		if child.Status.Open() && view.ChildSessionID != child.ID {
			return Errorf(ECONFLICT, ReasonParentClosed, "The parent session has another child session; this one can no longer be authorised or settled.")
		}
		// The parent is open at now. In its guard band it can follow no
		// child; an open child is then in its own band too (it expires no
		// later than its parent) and was refused before this check, so
		// this guards the rule rather than answers a case. A closed
		// child's move is left to the lifecycle's table
		// (INVALID_TRANSITION): its parent is not closed.
		if child.Status.Open() && view.ExpiredAt(p.WriteAt(now)) {
			return Errorf(ECONFLICT, ReasonParentClosed, "The parent session expires at %s, less than %s from now; its child can no longer be authorised or settled.", view.ExpiresAt.Format(time.RFC3339), p.WriteGuard)
		}
		return nil
	}
	if applied, err = child.apply(ev, now, p, check); err != nil || !applied {
		return applied, false, err
	}
	if parent != nil {
		if parentChanged = propagate(child, parent, now, p); !parentChanged {
			if parentChanged, err = FollowChild(child, parent, now, p); err != nil {
				return false, false, err
			}
		}
	}
	return applied, parentChanged, nil
}

// propagate moves an open parent to its child's status when the child has
// just reached AUTHORISED or SETTLED (docs/design.md §4). It reports whether
// the parent changed.
func propagate(child, parent *Session, now time.Time, p Policy) bool {
	if !takesMoney(child.Status) {
		return false
	}
	if !parent.Status.Open() || parent.ExpiredAt(p.WriteAt(now)) {
		return false
	}
	return parent.transition(child.Status, ChildReason(child.ID, child.Status), "", true, Normalize(now), p) == nil
}

// CloseChild cancels an open child when its parent has just closed, for
// whatever cause. It reports whether the child changed. A child within the
// guard band before its expiry is left as it is: it accepts no write, from
// anyone, and reads EXPIRED from its expiresAt on.
func CloseChild(child *Session, now time.Time, p Policy) bool {
	if !child.Status.Open() || child.ExpiredAt(p.WriteAt(now)) {
		return false
	}
	return child.transition(Canceled, ReasonParentClosedText, "", true, Normalize(now), p) == nil
}
