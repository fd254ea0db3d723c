package session

import "time"

// Parent and child sessions (document 003). A session created with a
// parentSessionId becomes that session's child: same merchant, the parent
// open, one level only (a child has no children), and at most one open
// child at a time (a closed child may be replaced). The child's expiresAt is
// no later than the parent's. Closing the parent by a merchant cancel closes
// an open child; a child reaching AUTHORISED or SETTLED moves an open parent
// to the same status; a parent's expiry needs nothing more, since its child
// expires no later. The store writes each of these together in one
// transaction.

// ReasonParentCanceled is recorded on a child closed because its parent
// was canceled.
const ReasonParentCanceled = "Parent session canceled."

// ChildReason is recorded on a parent moved to status s by its child
// childID.
func ChildReason(childID string, s Status) string {
	return "Child session " + childID + " reached " + string(s) + "."
}

// Adopt makes child, a session being created, the child of parent at now.
// current is parent's present child as stored, or nil. It caps the child's
// expiry at the parent's and links the two.
func Adopt(parent, child, current *Session, now time.Time, p Policy) error {
	if parent.MerchantID != child.MerchantID {
		return Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
	}
	if !now.Before(parent.PurgeAt(p)) {
		return Invalid("parentSessionId", "parentSessionId names no session of this merchant.")
	}
	if parent.ParentSessionID != "" {
		return Invalid("parentSessionId", "The parent is itself a child session; child sessions cannot have children.")
	}
	if !parent.Status.Open() || parent.ExpiredAt(now) {
		return Errorf(ECONFLICT, ReasonParentNotOpen, "The parent session is no longer open.")
	}
	if current != nil && current.Status.Open() && !current.ExpiredAt(now) {
		return Errorf(ECONFLICT, ReasonChildExists, "The parent session already has an open child session (%s).", current.ID)
	}
	child.ParentSessionID = parent.ID
	if child.ExpiresAt.After(parent.ExpiresAt) {
		child.ExpiresAt = parent.ExpiresAt
	}
	parent.ChildSessionID = child.ID
	return nil
}

// Propagate moves an open parent to its child's status when the child has
// just reached AUTHORISED or SETTLED (DESIGN.md §4). It reports whether the
// parent changed.
func Propagate(child, parent *Session, now time.Time, p Policy) bool {
	if child.Status != Authorised && child.Status != Settled {
		return false
	}
	if !parent.Status.Open() || parent.ExpiredAt(now) || !now.Before(parent.PurgeAt(p)) {
		return false
	}
	return parent.transition(child.Status, ChildReason(child.ID, child.Status), "", true, Normalize(now), p) == nil
}

// CloseChild cancels an open child when its parent has been canceled. It
// reports whether the child changed.
func CloseChild(child *Session, now time.Time, p Policy) bool {
	if !child.Status.Open() || child.ExpiredAt(now) {
		return false
	}
	return child.transition(Canceled, ReasonParentCanceled, "", true, Normalize(now), p) == nil
}
