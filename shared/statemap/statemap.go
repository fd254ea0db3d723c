// Package statemap maps canonical statuses to the words of the five status
// APIs the service answers in (docs/design.md §5), and to what a dialect
// needs beyond a word: document 003 answers an expired session with 401 and
// a canceled one with 410 instead of a body, and shows an expired child as
// INITIATED with expired: true. The table below is the only place the
// mapping is written down.
//
// The rule behind the table: a session whose money will not move
// (canceled, cancel requested, failed, expired) never shows a success word
// where the dialect has a word for failure or cancellation, so a client
// that treats COMPLETED as "paid" never ships goods for a canceled payment.
package statemap

import "github.com/paysessions/paysessions/shared/session"

// Words are one canonical status in each dialect.
type Words struct {
	V1Session      string // 000 sessionState
	PaymentStatus  string // 001 status
	PaymentSession string // 002 status
	// Checkout is 003's checkoutSessionStatus, as a parent's childSession
	// shows it. At the session's own endpoint, EXPIRED is 401 and CANCELED
	// is 410 instead (see Checkout).
	Checkout      string
	SessionRecord string // 004 session_status
}

// table is docs/design.md §5.
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
	session.CancelRequested:            {"Finished", "CancelRequested", "FAILED", "CANCELED", "CANCELED"},
	session.Canceled:                   {"Finished", "Cancelled", "FAILED", "CANCELED", "CANCELED"},
	session.Expired:                    {"Error", "Failed", "FAILED", "INITIATED", "EXPIRED"},
	session.FraudCancellationRequested: {"Finished", "CancelRequested", "COMPLETED", "COMPLETED", "FRAUD_CANCELLATION_REQUESTED"},
}

// checkoutCanceled is document 003's word that its own endpoint answers
// with 410 instead of a body.
const checkoutCanceled = "CANCELED"

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

// Checkout is document 003's checkoutSessionStatus for a session read at
// its own endpoint, or the error that endpoint answers instead: 401
// SESSION_EXPIRED for an expired session ("Returns 401 if the session has
// expired"), 410 SESSION_CANCELED for every status whose word is CANCELED,
// a merchant's cancel request included ("Returns 410 if the session has
// been canceled").
func Checkout(s session.Status) (string, error) {
	if s == session.Expired {
		return "", session.Errorf(session.EUNAUTHORIZED, session.ReasonSessionExpired, "The checkout session has expired.")
	}
	w := table[s].Checkout
	if w == checkoutCanceled {
		msg := "The checkout session has been canceled."
		if s == session.CancelRequested {
			msg = "The checkout session's cancellation has been requested."
		}
		return "", session.Errorf(session.EGONE, session.ReasonSessionCanceled, "%s", msg)
	}
	return w, nil
}

// CheckoutChild is what document 003 shows for a child session inside its
// parent's answer, where a child is never refused: its
// checkoutSessionStatus, and whether it has expired. The document's state
// list gives EXPIRED as "represented as INITIATED with isExpired() = true",
// and a Java bean's isExpired() serialises as "expired".
func CheckoutChild(s session.Status) (status string, expired bool) {
	return table[s].Checkout, s == session.Expired
}
