package store_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestLoggedErrorIsBounded: an error's text is logged on a 5xx's line and
// the sweeper's, and what an answer that is not DynamoDB's puts in it (its
// message, error code, x-amzn-RequestId) has no bound: behind make run,
// an endpoint answering GetItem with a 200,000-byte request id made a
// 200 KB request line, a 100,000-byte error code a 100 KB one, a
// 132,000-byte message without a quote mark a 132 KB one (r93-logs); a
// CloudWatch Logs event is cut at 256 KB, so one request's line could stop
// being one JSON line. As a JWKS text and a panic's value are, it is cut
// (at a character's start, with its length), and a card number a cut
// makes of a longer run redacts it.
func TestLoggedErrorIsBounded(t *testing.T) {
	long := []struct {
		name string
		err  error
	}{
		{"a long clean text", session.Unavailable(dynamoError("GetItem", 400, "ValidationException", "1 validation error detected: "+strings.Repeat("co5e1rLN6JbBAC-6bnnnDD2xn5ZDxnri ", 4000)))},
		{"a long error code, redacted", session.Unavailable(dynamoError("GetItem", 400, "Weird4111111111111111"+strings.Repeat("A", 100000), "x"))},
		{"a long error code", session.Unavailable(dynamoError("GetItem", 400, "Weird"+strings.Repeat("A", 100000), "x"))},
		{"a long text of two-byte characters", session.Unavailable(dynamoError("GetItem", 500, "InternalServerError", strings.Repeat("é", 50000)))},
	}
	for _, c := range long {
		t.Run(c.name, func(t *testing.T) {
			got := store.LoggedError(c.err)
			if len(got) > 8<<10 {
				t.Errorf("LoggedError: %d bytes (%.80q...); want at most 8 KiB", len(got), got)
			}
			if !utf8.ValidString(got) {
				t.Errorf("LoggedError: cut inside a character")
			}
		})
	}
	// A run of 20 digits, no card number whole, whose first 16 are one
	// (4111111111111111 and 4 more), cut right after those 16.
	run := "4111111111111111" + "2222"
	for pad := 3700; pad < 4100; pad++ {
		text := strings.Repeat("x", pad) + " " + run + strings.Repeat(" y", 10000)
		if session.HoldsCardNumber(text[:len(text)-20000]) {
			continue
		}
		got := store.LoggedError(session.Unavailable(dynamoError("GetItem", 500, "InternalServerError", text)))
		if session.HoldsCardNumber(got) {
			t.Fatalf("pad %d: LoggedError holds a card number: %.200q", pad, got)
		}
	}
}
