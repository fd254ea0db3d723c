package dialect

import (
	"strings"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// Envelope is document 001's ApiResponse wrapper, for answers and errors.
type Envelope struct {
	Message       string         `json:"message"`
	Notifications []Notification `json:"notifications"`
	Data          any            `json:"data"`
}

// Notification is one entry of an envelope's notifications: what went
// wrong, with the service's machine-readable code.
type Notification struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// messageSucceeded is the envelope message of every successful answer.
const messageSucceeded = "The operation succeeded!"

// messageFailed is the envelope message of every error.
const messageFailed = "The operation failed."

// PaymentStatusBody is document 001's PaymentStatus resource.
type PaymentStatusBody struct {
	PaymentID       string          `json:"paymentId"`
	PaymentCode     string          `json:"paymentCode"`
	TransactionID   *string         `json:"transactionId"`
	PaymentMethod   *string         `json:"paymentMethod"`
	PaymentScenario *string         `json:"paymentScenario"`
	Currency        *string         `json:"currency"`
	Amount          int64           `json:"amount"`
	ActionURL       *string         `json:"actionUrl"`
	Status          string          `json:"status"`
	StatusReason    *string         `json:"statusReason"`
	CreatedOn       string          `json:"createdOn"`
	ProcessedOn     string          `json:"processedOn"`
	History         []PaymentChange `json:"history"`
}

// PaymentChange is one history entry of document 001, in its words; repeats
// are kept.
type PaymentChange struct {
	Status       string  `json:"status"`
	StatusReason *string `json:"statusReason"`
	ProcessedOn  string  `json:"processedOn"`
}

// PaymentStatus renders v in document 001's shape, wrapped in the envelope.
// processedOn is the latest status change.
func PaymentStatus(v *session.Session) Envelope {
	b := PaymentStatusBody{
		PaymentID:       v.ID,
		PaymentCode:     paymentCode(v.ID),
		TransactionID:   nullable(v.TransactionID),
		PaymentMethod:   nullable(v.PaymentMethod),
		PaymentScenario: nullable(v.PaymentScenario),
		Currency:        nullable(v.Currency),
		Amount:          v.Amount,
		ActionURL:       nullable(v.ActionURL),
		Status:          statemap.PaymentStatus(v.Status),
		StatusReason:    nullable(paymentReason(v, v.Status, v.StatusReason)),
		CreatedOn:       format(v.CreatedAt, layoutPaymentStatus),
		ProcessedOn:     format(v.UpdatedAt, layoutPaymentStatus),
		History:         make([]PaymentChange, len(v.History)),
	}
	for i, c := range v.History {
		b.History[i] = PaymentChange{
			Status:       statemap.PaymentStatus(c.Status),
			StatusReason: nullable(paymentReason(v, c.Status, c.Reason)),
			ProcessedOn:  format(c.At, layoutPaymentStatus),
		}
	}
	if n := len(v.History); n > 0 {
		b.ProcessedOn = format(v.History[n-1].At, layoutPaymentStatus)
	}
	return Envelope{Message: messageSucceeded, Notifications: []Notification{}, Data: b}
}

// paymentReason is the statusReason document 001 shows for a change of v
// to status s whose recorded reason is reason. The service's own default
// reasons are recorded in the canonical words for the native API; 001
// speaks its own ("Payment status updated to Authorised via reply message
// from the payment provider.", "Payment created."), so they are shown in
// its words, never with a canonical status name. A reason a processor or
// merchant gave is theirs and shown as given.
func paymentReason(v *session.Session, s session.Status, reason string) string {
	word := statemap.PaymentStatus(s)
	// Each of the service's own texts is written with one status only; the
	// same text with another status was given by a processor or merchant.
	switch {
	case s == session.Created && reason == session.ReasonCreated:
		return "Payment created."
	case s == session.Expired && reason == session.ReasonExpiredText:
		return "Payment expired before it was completed."
	case s == session.Canceled && reason == session.ReasonMerchantCancel:
		return "Payment cancelled by the merchant."
	case s == session.CancelRequested && reason == session.ReasonMerchantCancelRq:
		return "Payment cancellation requested by the merchant."
	case s == session.Canceled && reason == session.ReasonParentClosedText:
		return "Payment cancelled because its parent payment was closed."
	case reason == session.ProcessorReason(s):
		// The document's sample shows these three as the platform words
		// them; every other status as a reply from the provider.
		switch s {
		case session.Processing:
			return "Started processing payment."
		case session.Sent:
			return "The payment was sent to the payment provider."
		}
		return "Payment status updated to " + word + " via reply message from the payment provider."
	}
	if v.ChildSessionID != "" && reason == session.ChildReason(v.ChildSessionID, s) {
		return "Payment status updated to " + word + " by its child payment " + v.ChildSessionID + "."
	}
	return reason
}

// paymentCode is the last five hex digits of the id, upper case
// (38ecb39d-…-557404881d37 → 81D37).
func paymentCode(id string) string {
	if len(id) < 5 {
		return strings.ToUpper(id)
	}
	return strings.ToUpper(id[len(id)-5:])
}

// PaymentStatusError is document 001's error answer: the envelope with
// data null and one notification naming the problem.
func PaymentStatusError(code, message string) Envelope {
	return Envelope{Message: messageFailed, Notifications: []Notification{{Code: code, Message: message}}, Data: nil}
}
