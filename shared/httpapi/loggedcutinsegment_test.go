package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathCutHCPTokenInOneSegment: docs/design.md §7's "Tokens, keys
// and secrets never reach a log". A session's hcpToken cut inside one
// segment by characters that are not base64url (a ';', a ',', a space sent
// as %20 or %2520, ...) is 33 to 64 bytes, under the length rule, and
// its pieces, each under 32 characters, escaped every rule on a segment:
// /sessions/<16>;<16> was logged with the whole token on both local
// servers (r100-design). Every cut of the token, by each separator, is
// redacted; an id in any layout a route reads stays as sent.
func TestLoggedPathCutHCPTokenInOneSegment(t *testing.T) {
	const token = "LerRwW7lOCjPD8Vja7nitsr4H161f5pV" // an hcpToken: 32 base64url characters
	seps := []string{";", ",", "~", ".", "!", "*", "+", "'", "(", ")", ":", "@", "=", "$", "&", "%20", "%2520", "%3B", ";;", " ; "}
	for _, sep := range seps {
		for cut := 1; cut < len(token); cut++ {
			for _, path := range []string{
				"/sessions/" + token[:cut] + sep + token[cut:],
				"/sessions/" + token[:cut] + sep + token[cut:] + "/events",
				"/x/" + token[:cut/2] + sep + token[cut/2:cut] + sep + token[cut:],
			} {
				if got := loggedPath(path); strings.Contains(got, token[:cut]+sep) || strings.Contains(got, sep+token[cut:]) {
					t.Errorf("loggedPath(%q) = %q; want the token's segment redacted", path, got)
				}
			}
		}
	}
	keep := []string{
		"/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/cancel",
		"/v2.0/payments/{0x7A6A538D,0xAE75,0x45F3,{0x97,0xE5,0x2D,0x36,0xE2,0xC6,0x89,0xA0}}/status",
		"/v2.0/payments/(7A6A538D-AE75-45F3-97E5-2D36E2C689A0)/status",
		"/api-keys/0123456789abcdef",
		"/pps/api/v1/session-record",
	}
	for _, path := range keep {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want it as sent", path, got)
		}
	}
}
