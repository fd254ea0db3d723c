package httpapi

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestRetryAfterSaysWhenARetryCanSucceed: a 503's Retry-After is when a
// retry can succeed (RFC 9110 §10.2.3), in whole seconds rounded up, at
// least 1: the time an unavailable error carries (session.UnavailableFor),
// else 1. A band refusal whose request's deadline comes before expiresAt
// is such an error: its answer exists only from expiresAt, so a retry
// every second (Retry-After: 1, as before) would only be 503 again until
// then, each retry one more logged 5xx.
func TestRetryAfterSaysWhenARetryCanSucceed(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no time carried", session.Unavailable(cause), "1"},
		{"zero", session.UnavailableFor(cause, 0), "1"},
		{"1 ns", session.UnavailableFor(cause, time.Nanosecond), "1"},
		{"exactly 1 s", session.UnavailableFor(cause, time.Second), "1"},
		{"1 s and 1 ns", session.UnavailableFor(cause, time.Second+time.Nanosecond), "2"},
		{"25.5 s", session.UnavailableFor(cause, 25500*time.Millisecond), "26"},
		{"a minute", session.UnavailableFor(cause, time.Minute), "60"},
		{"negative", session.UnavailableFor(cause, -time.Second), "1"},
		{"wrapped", errors.Join(session.UnavailableFor(cause, 3*time.Second)), "3"},
		{"not a 503", session.Errorf(session.ECONFLICT, session.ReasonSessionExpired, "x"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			setErrorHeaders(w, tt.err)
			if got := w.Header().Get("Retry-After"); got != tt.want {
				t.Errorf("Retry-After = %q; want %q", got, tt.want)
			}
		})
	}
}
