package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathSplitSecretGluedToADashOrUnderscore: README, "a token,
// key, secret or card number never reaches a log". A key's secret cut by
// '/' with a '-' or an '_' beside a cut ("<32 hex>-/<32 hex>", the pieces
// a URL template joins with "-/") was logged whole on both local servers:
// both are base64url, so no mark's reading cut them off, and a piece so
// glued was no hex piece, which ended the run (r101-review). Such a piece
// is read as its hex digits; ids stay readable (a UUID's dashes are within
// it, not at its ends).
func TestLoggedPathSplitSecretGluedToADashOrUnderscore(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // a key's secret: 64 hex digits
	a, b := secret[:32], secret[32:]
	q := [4]string{secret[:16], secret[16:32], secret[32:48], secret[48:]}
	const r = "[redacted]"
	for _, tt := range []struct{ path, logged string }{
		{"/sessions/" + a + "-/" + b, "/sessions/" + r + "/" + r},
		{"/sessions/" + a + "/-" + b, "/sessions/" + r + "/" + r},
		{"/sessions/-" + a + "/" + b + "-", "/sessions/" + r + "/" + r},
		{"/sessions/" + a + "_/" + b, "/sessions/" + r + "/" + r},
		{"/sessions/" + a + "-~/" + b, "/sessions/" + r + "/" + r},
		{"/sessions/" + q[0] + "/" + q[1] + "-/" + q[2] + "/" + q[3], "/sessions/" + r + "/" + r + "/" + r + "/" + r},
		{"/sessions/" + q[0] + "_/" + q[1] + "_/" + q[2] + "_/" + q[3], "/sessions/" + r + "/" + r + "/" + r + "/" + r},
		{"/sessions/" + a + "%252D/" + b, "/sessions/" + r + "/" + r},
		// A segment of '-' and '_' alone between the pieces, as a route's
		// word between them, neither ends the run nor counts, and stays
		// as sent: make run's 404 logged each of these whole (r102-review).
		{"/sessions/" + a + "/-/" + b, "/sessions/" + r + "/-/" + r},
		{"/sessions/" + a + "/_/" + b, "/sessions/" + r + "/_/" + r},
		{"/sessions/" + a + "/--/" + b, "/sessions/" + r + "/--/" + r},
		{"/sessions/" + a + "/-_/" + b, "/sessions/" + r + "/-_/" + r},
		{"/sessions/" + a + "/-./" + b, "/sessions/" + r + "/-./" + r},
		{"/sessions/" + a + "/~-/" + b, "/sessions/" + r + "/~-/" + r},
		{"/sessions/" + a + "/-/cancel/_/" + b, "/sessions/" + r + "/-/cancel/_/" + r},
		{"/sessions/" + q[0] + "/-/" + q[1] + "/_/" + q[2] + "/-/" + q[3], "/sessions/" + r + "/-/" + r + "/_/" + r + "/-/" + r},
		// Ids stay readable.
		{"/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/cancel", "/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/cancel"},
		{"/api-keys/0123456789abcdef-", "/api-keys/0123456789abcdef-"},
		{"/sessions/-/" + q[0] + "-/-/" + q[1], "/sessions/-/" + q[0] + "-/-/" + q[1]},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}

// TestLoggedPathSplitHCPTokenAroundADashSegment: README, Security, says
// every segment of consecutive base64url segments that joined hold
// exactly 32 characters of an hcpToken is redacted, each window "also
// read with the route's words left out, as words put between a token's
// pieces". A segment of '-' alone between two pieces ("<16>/-/<16>") is
// such a filler too: it is base64url, so it counted, and the window then
// held 33 characters; and only hex digits and dashes, so it ended the run
// of the other search. make run's 404 logged such a token whole
// (r102-review). The filler stays as sent where no search counts it.
func TestLoggedPathSplitHCPTokenAroundADashSegment(t *testing.T) {
	tok := "aUDVGsaXO160poDEOXAQYmhI_09bpXn5" // an hcpToken's 32 base64url characters
	a, b := tok[:16], tok[16:]
	q := [4]string{tok[:8], tok[8:16], tok[16:24], tok[24:]}
	const r = "[redacted]"
	for _, tt := range []struct{ path, logged string }{
		{"/sessions/" + a + "/-/" + b, "/sessions/" + r + "/-/" + r},
		{"/sessions/" + a + "/--/" + b, "/sessions/" + r + "/--/" + r},
		{"/sessions/" + a + "/-./" + b, "/sessions/" + r + "/-./" + r},
		// Read as a token's piece too by the searches that count it, a
		// filler may be redacted with the pieces ('_' is no id's).
		{"/sessions/" + a + "/-_/" + b, "/sessions/" + r + "/" + r + "/" + r},
		{"/sessions/" + a + "/-/cancel/-/" + b, "/sessions/" + r + "/" + r + "/cancel/" + r + "/" + r},
		{"/sessions/" + q[0] + "/-/" + q[1] + "/-/" + q[2] + "/-/" + q[3], "/sessions/" + r + "/-/" + r + "/-/" + r + "/-/" + r},
		// A '-' that makes the 32nd character is counted as a piece.
		{"/sessions/" + tok[:15] + "/-/" + tok[16:], "/sessions/" + r + "/" + r + "/" + r},
		// Ids stay readable.
		{"/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/-/cancel", "/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/-/cancel"},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}
