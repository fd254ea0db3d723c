package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathSplitSecretWithAMarkBesideItsCut: README, "a token, key,
// secret or card number never reaches a log". A key's secret or an
// hcpToken cut by '/' with a mark beside the cut, at the start of the
// piece after it or the end of the piece before it ("<16>/~<16>",
// "<16>;/<16>"), was logged whole by the functions under make start-api
// (each '/' sent as %252F, as an HTTP API delivers it) and by make run's
// 404: the pieces were read as written, where the mark makes its piece no
// hex or base64url piece, and as cut at the mark, which put a break where
// the '/' already was (r101-lambda: 80 of 1,200 random cuts of secrets and
// hcpTokens by '/', words and marks, on make start-api). A piece whose
// marks are all at its ends is read also without them; one with a mark
// between two of its pieces (a secret cut both by '/' and inside a
// segment) is the known limit the README names.
func TestLoggedPathSplitSecretWithAMarkBesideItsCut(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // a key's secret: 64 hex digits
	a, b := secret[:32], secret[32:]
	for _, tt := range []struct{ path, logged string }{
		// Measured on make start-api (the function's request line).
		{"/sessions/aeZ39qhTbsS0cg/:eqF0EY1hotlbebWg2u]/events", "/sessions/[redacted]/[redacted]/events"},
		{"/sessions/C5SEU7oi7CkrsCIJ4A1O9LPiBx/`LeycPp", "/sessions/[redacted]/[redacted]"},
		{"/v1/checkout-sessions/sk2pMJgbbixRibiNmWj5:/COFG5NB6ma_A", "/v1/checkout-sessions/[redacted]/[redacted]"},
		{"/pps/api/v1/session-record/901c673f6250e0fb7856b1c941b0a2*/adb33/,804f0fddae/session-record/6b2e5ac347a790891d3", "/pps/api/v1/session-record/[redacted]/[redacted]/[redacted]/session-record/[redacted]"},
		// A key's secret, the mark on either side of the cut, a route's
		// word between the pieces.
		{"/sessions/" + a + "~/" + b, "/sessions/[redacted]/[redacted]"},
		{"/sessions/" + a + "/~" + b, "/sessions/[redacted]/[redacted]"},
		{"/sessions/" + a + ";/cancel/;" + b + "/cancel", "/sessions/[redacted]/cancel/[redacted]/cancel"},
		// An hcpToken, marks on both sides of a piece.
		{"/sessions/aUDVGsaXO160po/~DEOXAQYmhI~/_09bpXn5", "/sessions/[redacted]/[redacted]/[redacted]"},
		// A segment of marks alone between the pieces, as an empty one.
		{"/sessions/aUDVGsaXO160po/~/DEOXAQYmhI_09bpXn5", "/sessions/[redacted]/~/[redacted]"},
		{"/sessions/" + a + "/;;/cancel/!/" + b, "/sessions/[redacted]/;;/cancel/!/[redacted]"},
		// Ids stay readable: document 001's GUID in braces or parentheses
		// beside a route's words.
		{"/v1/session/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}", "/v1/session/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}"},
		{"/v1/session/(0b7e5d3a1f2c4e8a9b6d3c5f7a9e1d2b)", "/v1/session/(0b7e5d3a1f2c4e8a9b6d3c5f7a9e1d2b)"},
		{"/sessions/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}/cancel", "/sessions/{0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b}/cancel"},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}
