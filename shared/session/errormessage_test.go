package session

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestErrorMessageLeaksNoDetail: "Errors that are not an *Error, and
// internal ones, get a generic message so no detail leaks" (ErrorMessage);
// a client-safe message of any other code is shown as it is.
func TestErrorMessageLeaksNoDetail(t *testing.T) {
	const generic = "An internal error occurred."
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("dial tcp 10.0.0.7:8000: secret detail"), generic},
		{&Error{Code: EINTERNAL, Message: "table sessions-prod: secret detail"}, generic},
		{fmt.Errorf("wrapped: %w", &Error{Code: EINTERNAL, Message: "secret detail"}), generic},
		{Internal(errors.New("secret detail")), generic},
		{NotFound(), "Session not found."},
		{fmt.Errorf("wrapped: %w", NotFound()), "Session not found."},
	} {
		if got := ErrorMessage(tc.err); got != tc.want {
			t.Errorf("ErrorMessage(%v) = %q; want %q", tc.err, got, tc.want)
		}
	}
}

// TestErrorTextCarriesTheCause: an error's text (what a 5xx's log line
// carries, store.LoggedError) holds its internal cause, which no client
// sees: README, "a failed fetch's text is repeated in the ERROR line of
// every 503 it causes".
func TestErrorTextCarriesTheCause(t *testing.T) {
	const cause = "jwks fetch: 502 Bad Gateway"
	for _, err := range []*Error{
		Unavailable(errors.New(cause)),
		UnavailableFor(errors.New(cause), 7*time.Second),
		Internal(fmt.Errorf("wrapped: %w", errors.New(cause))),
	} {
		if got := err.Error(); !strings.Contains(got, cause) {
			t.Errorf("(%v).Error() = %q; want it to hold %q", err.Code, got, cause)
		}
		if got := ErrorMessage(err); strings.Contains(got, cause) {
			t.Errorf("ErrorMessage(%v) = %q; want no %q", err.Code, got, cause)
		}
	}
}

// TestRetryAfter: a 503 says in Retry-After when a retry can succeed, as
// UnavailableFor was told (the HTTP layer rounds it up to whole seconds,
// at least 1); every other error, and a 503 without a known wait, says 0:
// README, "carries in `Retry-After` the time until the container may
// fetch the set again (10 s after its last fetch started; none while a
// fetch is running, whose answer a retry meets), in whole seconds rounded
// up, at least 1; ... the service's other 503s say 1".
func TestRetryAfter(t *testing.T) {
	cause := errors.New("cause")
	for _, tc := range []struct {
		err  error
		want time.Duration
	}{
		{UnavailableFor(cause, 7*time.Second), 7 * time.Second},
		{fmt.Errorf("wrapped: %w", UnavailableFor(cause, 1500*time.Millisecond)), 1500 * time.Millisecond},
		{Unavailable(cause), 0},
		{UnavailableFor(cause, -time.Second), 0},
		{&Error{Code: EINTERNAL, Wait: 5 * time.Second}, 0},
		{&Error{Code: ECONFLICT, Wait: 5 * time.Second}, 0},
		{Internal(cause), 0},
		{cause, 0},
		{nil, 0},
	} {
		if got := RetryAfter(tc.err); got != tc.want {
			t.Errorf("RetryAfter(%v): got %v; want %v", tc.err, got, tc.want)
		}
	}
}
