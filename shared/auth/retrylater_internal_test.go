package auth

import (
	"errors"
	"testing"
	"time"
)

// TestRetryLaterWaitsOnlyWhenNoFetchCanStart: a 503 for a key set that
// could not be had asks for the wait until a request may start the next
// fetch, refreshGap after the last one began, and for none when a retry can
// find a set at once: a fetch is running (another request started it after
// this token's fetch ended; a retry waits for it), refreshGap has passed,
// or the wall clock stepped back to before the last fetch began (a fetch
// may start at once). The branch with a fetch running is reached only in
// the moment between a failed fetch's end and the 503 being built, so it
// is checked here directly.
func TestRetryLaterWaitsOnlyWhenNoFetchCanStart(t *testing.T) {
	began := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		since   time.Duration // from the last fetch's start to now
		running bool
		want    time.Duration
	}{
		{"2 s after a failed fetch, none running", 2 * time.Second, false, refreshGap - 2*time.Second},
		{"at once after a failed fetch", 0, false, refreshGap},
		{"a nanosecond before refreshGap", refreshGap - time.Nanosecond, false, time.Nanosecond},
		{"refreshGap after it", refreshGap, false, 0},
		{"the clock stepped back before it", -time.Second, false, 0},
		{"2 s after it, another fetch running", 2 * time.Second, true, 0},
		{"at once, another fetch running", 0, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := began.Add(tc.since)
			v := NewJWTVerifier(JWTConfig{JWKSURL: "http://127.0.0.1:1/jwks", Now: func() time.Time { return now }})
			v.lastAttempt = began
			if tc.running {
				v.flight = &refresh{done: make(chan struct{}), began: began}
			}
			cause := errors.New("the key set could not be had")
			err := v.retryLater(cause)
			var later *retryAfterError
			if !errors.As(err, &later) {
				t.Fatalf("retryLater() = %T %v; want a *retryAfterError", err, err)
			}
			if got := later.after; got != tc.want {
				t.Errorf("wait %v; want %v", got, tc.want)
			}
			if !errors.Is(err, cause) {
				t.Errorf("retryLater() = %v; want it to wrap its cause", err)
			}
		})
	}
}
