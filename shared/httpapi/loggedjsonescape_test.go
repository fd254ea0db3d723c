package httpapi

import (
	"fmt"
	"strings"
	"testing"
)

// TestLoggedPathCredentialWithJSONEscapes: README, "a token, key, secret
// or card number never reaches a log"; the path's segments are read "as the
// rule reads a body string ... each segment as a JSON parser reads it, its
// escapes undone before each decoding". A key's secret or an hcpToken with
// a few characters written as JSON escapes (\u0055 for U), each escape's
// backslash ending the runs the credential rules count, was logged as sent
// on both local servers, though the same text cut by '/' was redacted
// (r100-mutate).
func TestLoggedPathCredentialWithJSONEscapes(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // a key's secret: 64 hex digits
	esc := func(c byte) string { return fmt.Sprintf(`\u%04x`, c) }
	escapedSecret := secret[:26] + esc(secret[26]) + secret[27:52] + esc(secret[52]) + secret[53:]
	for _, tt := range []struct{ path, logged string }{
		{`/sessions/a\u0055DVGsaXO160poDEOXAQYmhI_09b\u0070Xn5`, "/sessions/[redacted]"},
		{`/sessions/a%5Cu0055DVGsaXO160poDEOXAQYmhI_09b%5Cu0070Xn5`, "/sessions/[redacted]"},
		{"/api-keys/" + escapedSecret, "/api-keys/[redacted]"},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}
