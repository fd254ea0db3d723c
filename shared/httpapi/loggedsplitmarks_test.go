package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathSplitSecretWithAMarkAtItsEnds: README, "a token, key,
// secret or card number never reaches a log". A key's secret, an hcpToken
// or a JWT cut by '/' (sent as %252F, or with a plain '/' to make run's
// 404) whose first piece follows a mark in its segment, or whose last piece
// a mark follows (a ".json" a URL template appends, a '~', a '\'), was
// logged whole on both local servers: the mark made its piece no hex or
// base64url piece, and the run was the other piece alone (r100-mutate).
// The pieces are read also as cut at such marks too.
func TestLoggedPathSplitSecretWithAMarkAtItsEnds(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // a key's secret: 64 hex digits
	a, b := secret[:32], secret[32:]
	for _, tt := range []struct{ path, logged string }{
		{"/sessions/" + a + "/" + b + ".json", "/sessions/[redacted]/[redacted]"},
		{"/sessions/~" + a + "/" + b, "/sessions/[redacted]/[redacted]"},
		{"/sessions/" + a + "/" + b + `\`, "/sessions/[redacted]/[redacted]"},
		{"/sessions/" + a + "%2F" + b + ".json", "/sessions/[redacted]"},
		{"/sessions/" + a + "%252F" + b + ".json", "/sessions/[redacted]"},
		{"/sessions/aUDVGsaXO160po/DEOXAQYmhI_09bpXn5.json", "/sessions/[redacted]/[redacted]"},
		{"/sessions/x.aUDVGsaXO160po/DEOXAQYmhI_09bpXn5", "/sessions/[redacted]/[redacted]"},
		{"/sessions/aUDVGsaXO160po%2FDEOXAQYmhI_09bpXn5.json", "/sessions/[redacted]"},
		{"/sessions/eyJhbGciOiJIUzI1NiJ9/.eyJzdWIiOiIxIn0.c2ln~", "/sessions/[redacted]/[redacted]"},
		// The route word v2.0 between the pieces, as cancel, neither
		// ends the run nor joins: v2.0, no base64url, ended the join the
		// marked piece needs, so GetSessionFunction logged
		// /sessions/~<32 hex>/v2.0/<32 hex> whole under make start-api
		// (each / sent as %252F), and make run its 404 (r100-review).
		{"/sessions/~" + a + "/v2.0/" + b, "/sessions/[redacted]/v2.0/[redacted]"},
		{"/sessions/" + a + "/v2.0/" + b + ".json", "/sessions/[redacted]/v2.0/[redacted]"},
		{"/sessions/~aUDVGsaXO160po/v2.0/DEOXAQYmhI_09bpXn5", "/sessions/[redacted]/v2.0/[redacted]"},
		{"/sessions/aUDVGsaXO160po/v2.0/DEOXAQYmhI_09bpXn5.json", "/sessions/[redacted]/v2.0/[redacted]"},
		// Ids stay readable: a route's literal with a '.' is no mark's
		// piece, nor are a GUID's braces.
		{"/v2.0/payments/pay_8Qz1/status", "/v2.0/payments/pay_8Qz1/status"},
		{"/v1/session/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}", "/v1/session/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}"},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}
