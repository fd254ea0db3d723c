package httpapi

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestLoggedPathReadsFormPlusAcrossSegments: the log line redacts a path's
// card number "each segment URL-decoded up to three more times, as the
// rule reads a body string" (README, Logging), and the rule reads a '+'
// after a digit and up to two separators as the space a form encodes, a
// '/' among them: /4111/+1111/+1111/+1111 is 4111/ 1111/ 1111/ 1111 to
// session.HoldsCardNumber. Each segment decoded alone read its leading '+'
// as a phone number's, and the path was logged as sent (r94-review).
func TestLoggedPathReadsFormPlusAcrossSegments(t *testing.T) {
	for _, p := range []string{
		"/sessions/4111/+1111/+1111/+1111",
		"/sessions/4111-/+1111-/+1111-/+1111",
		"/sessions/4111+/+1111+/+1111+/+1111",
		"/sessions/4111/++1111/++1111/++1111",
		"/sessions/4111//+1111//+1111//+1111",
		"/sessions/4111/%2B1111/%2B1111/%2B1111",
		"/sessions/4111/%252B1111/%252B1111/%252B1111",
		"/sessions/4111%2F/+1111%2F/+1111%2F/+1111",
		"/sessions/４１１１/+１１１１/+１１１１/+１１１１",
		"/sessions/4111\u200b/+1111\u200b/+1111\u200b/+1111",
	} {
		if !session.HoldsCardNumber(p) {
			t.Fatalf("HoldsCardNumber(%q) = false; want true", p)
		}
		got := redactedPath(p)
		if session.HoldsCardNumber(got) {
			t.Errorf("redactedPath(%q) = %q, HoldsCardNumber = true; want false", p, got)
		}
	}
	// After a segment redacted for itself, the '+' is read as it follows
	// that segment's digits, as the rule reads the path: 4111111111111111/
	// 3782 822463 10005 holds an American Express number, which a '+'
	// after "[redacted]/" read as a phone number's.
	for _, tc := range []struct{ path, want string }{
		{"/sessions/4111111111111111/+3782+822463+10005", "/sessions/[redacted]/[redacted]"},
		{"/sessions/4111111111111111/+3782/+822463/+10005", "/sessions/[redacted]/[redacted]/[redacted]/[redacted]"},
	} {
		if got := redactedPath(tc.path); got != tc.want {
			t.Errorf("redactedPath(%q) = %q; want %q", tc.path, got, tc.want)
		}
	}
	// A '+' after written white space, a letter or the start keeps its
	// meaning across segments too: the rule takes these, and the log
	// shows them.
	for _, p := range []string{
		"/sessions/+49/+1512/+3456787",
		"/sessions/tel/+49+1512+3456787",
	} {
		if session.HoldsCardNumber(p) {
			t.Fatalf("HoldsCardNumber(%q) = true; want false", p)
		}
		if got := redactedPath(p); got != p {
			t.Errorf("redactedPath(%q) = %q; want %q", p, got, p)
		}
	}
}
