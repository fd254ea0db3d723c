// Package statemap maps canonical statuses to the words of the five status
// APIs the service answers in (DESIGN.md §5), and to what a dialect needs
// beyond a word: document 003 answers an expired session with 401 and a
// canceled one with 410 instead of a body. The table below is the only
// place the mapping is written down.
package statemap

import "github.com/paysessions/paysessions/shared/session"

// Words are one canonical status in each dialect.
type Words struct {
	V1Session      string // 000 sessionState
	PaymentStatus  string // 001 status
	PaymentSession string // 002 status
	Checkout       string // 003 checkoutSessionStatus ("" = not rendered: 401)
	SessionRecord  string // 004 session_status
}

// table is DESIGN.md §5.
var table = map[session.Status]Words{
	session.Created:                    {"Initial", "Pending", "PENDING", "INITIATED", "CREATED"},
	session.Processing:                 {"InProgress", "Processing", "PENDING", "INITIATED", "IN_PROGRESS"},
	session.Sent:                       {"InProgress", "Sent", "PENDING", "INITIATED", "IN_PROGRESS"},
	session.RequestReceived:            {"InProgress", "RequestReceived", "PENDING", "INITIATED", "IN_PROGRESS"},
	session.RequiresAction:             {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "IN_PROGRESS"},
	session.OTPPending:                 {"InProgress", "RedirectRequired", "REQUIRES_ACTION", "INITIATED", "OTP_PENDING"},
	session.Authorised:                 {"Finished", "Authorised", "COMPLETED", "COMPLETED", "COMPLETED"},
	session.Settled:                    {"Finished", "Settled", "COMPLETED", "COMPLETED", "COMPLETED"},
	session.Failed:                     {"Error", "Failed", "FAILED", "FAILED", "ERROR"},
	session.CancelRequested:            {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "COMPLETED"},
	session.Canceled:                   {"Finished", "Cancelled", "FAILED", "CANCELED", "CANCELED"},
	session.Expired:                    {"Error", "Failed", "FAILED", "", "EXPIRED"},
	session.FraudCancellationRequested: {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
}

// Of returns the words for s. The second result is false for a status
// missing from the table (a test proves none is).
func Of(s session.Status) (Words, bool) {
	w, ok := table[s]
	return w, ok
}

// V1Session is document 000's sessionState.
func V1Session(s session.Status) string { return table[s].V1Session }

// PaymentStatus is document 001's status.
func PaymentStatus(s session.Status) string { return table[s].PaymentStatus }

// PaymentSession is document 002's status.
func PaymentSession(s session.Status) string { return table[s].PaymentSession }

// SessionRecord is document 004's session_status.
func SessionRecord(s session.Status) string { return table[s].SessionRecord }

// Checkout is document 003's checkoutSessionStatus for a session being read
// at its own endpoint, or the error that endpoint answers instead: 401
// SESSION_EXPIRED for an expired session, 410 SESSION_CANCELED for a
// canceled one.
func Checkout(s session.Status) (string, error) {
	switch s {
	case session.Expired:
		return "", session.Errorf(session.EUNAUTHORIZED, session.ReasonSessionExpired, "The checkout session has expired.")
	case session.Canceled:
		return "", session.Errorf(session.EGONE, session.ReasonSessionCanceled, "The checkout session has been canceled.")
	}
	return table[s].Checkout, nil
}

// CheckoutChild is the status document 003 shows for a child session inside
// its parent's answer. A child is never refused there, so an expired child
// shows as EXPIRED, the name document 003's own state list gives it.
func CheckoutChild(s session.Status) string {
	if s == session.Expired {
		return "EXPIRED"
	}
	return table[s].Checkout
}
