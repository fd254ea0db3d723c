package store

import (
	"fmt"
	"strings"

	"github.com/paysessions/paysessions/shared/session"
)

// LoggedError is what a log line says of an error of the service's: its
// text, unless the text may hold a card number or a credential
// (mayQuoteSecret) or quotes a value DynamoDB refused (quotesValue: a
// whole item, its hcpToken among it), then [redacted] and what the
// service and AWS put in the error (its code and reason, and
// errorOutline: the DynamoDB operation, the status, the request id,
// DynamoDB's error code). The text of a DynamoDB error is DynamoDB's
// message, which can quote a value it refused ("1 validation error
// detected: Value '…'"), and what the service writes holds the client's
// text: an Idempotency-Key, an orderId, an eventId, metadata, where an API
// key or a JWT passes the card rule. Every log line that carries an error
// uses it: a request's (httpapi) and the sweeper's, whatever each writes
// today ("Tokens, keys and secrets never reach a log", docs/design.md §7).
// It lives here, beside quotesValue and errorOutline, because what makes
// an error's text unsafe is what the store's errors carry.
func LoggedError(err error) string {
	s := err.Error()
	if !mayQuoteSecret(s) && !quotesValue(err) {
		return s
	}
	what := fmt.Sprintf("[redacted] (its text may quote a card number, a credential or a stored value): %s, %s", session.ErrorCode(err), session.ErrorReason(err))
	if o := errorOutline(err); o != "" {
		what += ": " + o
	}
	return what
}

// mayQuoteSecret reports whether an error's text may quote a card number
// (session.HoldsCardNumber), an API key (psk_, in any case) or a JWT
// (base64url of a JSON object: "eyJ"). Unlike the rule for paths and panic
// values, a long run of letters and digits is no sign: an error's text
// names DynamoDB's request ids (52 of them) and the service's own ids and
// hashes.
func mayQuoteSecret(s string) bool {
	return session.HoldsCardNumber(s) || strings.Contains(strings.ToLower(s), "psk_") || strings.Contains(s, "eyJ")
}
