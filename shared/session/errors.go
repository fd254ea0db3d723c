package session

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error by what the caller can do about it. The HTTP layer
// maps each code to a status in exactly one place; nothing else in the
// program chooses a status.
type Code string

// The error codes. They describe the failure, not the transport.
const (
	EINVALID      Code = "invalid"      // malformed input
	EUNAUTHORIZED Code = "unauthorized" // no or bad credentials
	EFORBIDDEN    Code = "forbidden"    // valid credentials that do not allow this
	ENOTFOUND     Code = "not_found"    // unknown, another merchant's, or past retention
	ECONFLICT     Code = "conflict"     // refused by the current state
	EGONE         Code = "gone"         // existed, is no longer usable (dialect 003's canceled)
	ETOOLARGE     Code = "too_large"    // request body over the limit
	EUNSUPPORTED  Code = "unsupported"  // request media type not accepted
	EMETHOD       Code = "method"       // the resource does not take this method
	EUNAVAILABLE  Code = "unavailable"  // a dependency is failing; retry later
	EINTERNAL     Code = "internal"     // a bug or an unexpected failure
)

// Reasons are the machine-readable codes clients see in error bodies
// (the problem details "code" member). They refine a Code.
const (
	ReasonValidation         = "VALIDATION_FAILED"
	ReasonMalformedJSON      = "MALFORMED_JSON"
	ReasonCardNumber         = "CARD_NUMBER_REFUSED"
	ReasonBodyTooLarge       = "BODY_TOO_LARGE"
	ReasonUnsupportedMedia   = "UNSUPPORTED_MEDIA_TYPE"
	ReasonUnauthenticated    = "UNAUTHENTICATED"
	ReasonInsufficientScope  = "INSUFFICIENT_SCOPE"
	ReasonMerchantRequired   = "MERCHANT_REQUIRED"
	ReasonMerchantMismatch   = "MERCHANT_MISMATCH"
	ReasonNotFound           = "NOT_FOUND"
	ReasonSessionNotFound    = "SESSION_NOT_FOUND"
	ReasonMethodNotAllowed   = "METHOD_NOT_ALLOWED"
	ReasonSessionExpired     = "SESSION_EXPIRED"
	ReasonSessionCanceled    = "SESSION_CANCELED"
	ReasonInvalidTransition  = "INVALID_TRANSITION"
	ReasonConcurrentUpdate   = "CONCURRENT_UPDATE"
	ReasonHistoryFull        = "HISTORY_FULL"
	ReasonSessionTooLarge    = "SESSION_TOO_LARGE"
	ReasonListTooLarge       = "LIST_TOO_LARGE" // a whole-day list over one response: page it
	ReasonIdempotencyReused  = "IDEMPOTENCY_KEY_REUSED"
	ReasonIdempotencyPending = "IDEMPOTENCY_KEY_IN_USE"
	ReasonParentNotOpen      = "PARENT_NOT_OPEN"
	ReasonChildExists        = "CHILD_SESSION_EXISTS"
	ReasonParentClosed       = "PARENT_CLOSED"
	ReasonUnavailable        = "SERVICE_UNAVAILABLE"
	ReasonInternal           = "INTERNAL_ERROR"
)

// Error is the program's error type. Message is safe to show to a client;
// Err, when set, is the internal cause: it is logged, never returned.
type Error struct {
	Code    Code
	Reason  string // machine-readable refinement, e.g. INVALID_TRANSITION
	Message string // human-readable, safe for clients
	Field   string // the offending input field, if any
	Err     error  // internal cause; never shown to clients

	// Wait is, for EUNAVAILABLE, how long until a retry can succeed, when
	// that is known and later than at once (UnavailableFor); 0 otherwise.
	Wait time.Duration
}

// Error is the code, the client-safe message, the field and the internal
// cause: for logs, never for a client (ErrorMessage is what a client sees).
func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code, reason and client-safe message.
func Errorf(code Code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Reason: ReasonValidation, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. Its message is generic; the cause is
// kept for the logs.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Reason: ReasonInternal, Message: "An internal error occurred.", Err: err}
}

// Unavailable wraps a failure of a dependency that a retry may cure.
func Unavailable(err error) *Error {
	return &Error{Code: EUNAVAILABLE, Reason: ReasonUnavailable, Message: "The service is temporarily unavailable; retry later.", Err: err}
}

// UnavailableFor is Unavailable for a failure that no retry can cure
// before wait has passed: its answer exists only then (a key set that
// cannot be fetched again sooner; a write whose outcome is known only at
// an instant to come). The HTTP layer says so in Retry-After.
func UnavailableFor(err error, wait time.Duration) *Error {
	e := Unavailable(err)
	e.Wait = wait
	return e
}

// RetryAfter is how long err says a retry must wait to succeed
// (UnavailableFor), or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.Code == EUNAVAILABLE {
		return max(e.Wait, 0)
	}
	return 0
}

// NotFound is the error for a session that does not exist for the caller:
// unknown, another merchant's, or past its retention.
func NotFound() *Error {
	return Errorf(ENOTFOUND, ReasonSessionNotFound, "Session not found.")
}

// ErrorCode returns the code of err; any error that is not an *Error is EINTERNAL.
func ErrorCode(err error) Code {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the machine-readable reason of err.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	return ReasonInternal
}

// ErrorMessage returns the client-safe message of err. Errors that are not an
// *Error, and internal ones, get a generic message so no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorField returns the input field err names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
