package session

import (
	"errors"
	"fmt"
	"testing"
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
