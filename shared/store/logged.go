package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

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
		if logged, ok := cutError(s); ok {
			return logged
		}
	}
	what := fmt.Sprintf("[redacted] (its text may quote a card number, a credential or a stored value): %s, %s", session.ErrorCode(err), session.ErrorReason(err))
	if o := errorOutline(err); o != "" {
		what += ": " + o
	}
	// The outline's parts are judged each (shownCode), but joined they can
	// make one: reasons 4111, 1111, 1111 and 1111 were logged
	// "cancellation reasons [4111 1111 1111 1111]" (r93-review2).
	if !mayQuoteSecret(what) {
		if logged, ok := cutError(what); ok {
			return logged
		}
	}
	return fmt.Sprintf("[redacted] (its text may quote a card number, a credential or a stored value): %s, %s", session.ErrorCode(err), session.ErrorReason(err))
}

// maxLoggedError bounds the error text a log line carries. What an answer
// that is not DynamoDB's puts in an error (its message, its error code,
// its x-amzn-RequestId) has no bound of its own: behind make run, an
// endpoint answering with a 200,000-byte request id made a 200 KB request
// line (r93-logs), where a CloudWatch Logs event is cut at 256 KB.
const maxLoggedError = 4 << 10

// cutError is s cut to maxLoggedError bytes (at a character's start) with
// the length it had, and whether the cut text may be logged: s was judged
// whole by the caller, and a cut can make a card number of a longer run of
// digits (the first 16 of a 20-digit reference), so the cut text is judged
// again.
func cutError(s string) (string, bool) {
	if len(s) <= maxLoggedError {
		return s, true
	}
	cut := maxLoggedError
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if mayQuoteSecret(s[:cut]) {
		return "", false
	}
	return fmt.Sprintf("%s... [truncated: %d bytes]", s[:cut], len(s)), true
}

// mayQuoteSecret reports whether an error's text may quote a card number
// (session.HoldsCardNumber), an API key (psk_, in any case) or a JWT
// (base64url of a JSON object: "eyJ"). Unlike the rule for paths and panic
// values, a long run of letters and digits is no sign: an error's text
// names DynamoDB's request ids (52 of them) and the service's own ids and
// hashes. The key and the JWT are searched in every reading the card
// rule takes of a text (session.AnyReading: in NFKC, URL-decoded, JSON
// escapes undone): an answer's code or request id of ｐｓｋ＿<id>_<secret>
// or %70sk_<id>_<secret> was logged as sent until r110-logs.
func mayQuoteSecret(s string) bool {
	return session.HoldsCardNumber(s) || session.AnyReading(s, quotesKeyOrJWT)
}

// quotesKeyOrJWT reports whether s, as written, holds an API key's prefix
// (psk_, in any case) or a JWT's (eyJ).
func quotesKeyOrJWT(s string) bool {
	return strings.Contains(strings.ToLower(s), "psk_") || strings.Contains(s, "eyJ")
}
