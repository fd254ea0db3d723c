package httpapi

import "testing"

// TestLoggedPathSplitHCPTokenDashPieceBesideARouteWord: README, Security,
// "a token, key, secret or card number never reaches a log". An hcpToken
// whose '-' or '_' is cut off into a segment of its own, with a route's
// literal word among its pieces, was logged with 30 or 31 of its 32
// characters as sent: each window was read with the word and such a
// segment both counted (v2.0, no base64url, ends it) or both left out
// (the window then held 31 characters), never with the word left out and
// the dash counted (r104-sweeplogs: 68 of 100,000 random cuts by '/',
// route words and marks, each with such a piece, on both local servers'
// loggedPath). A word is still left as sent.
func TestLoggedPathSplitHCPTokenDashPieceBesideARouteWord(t *testing.T) {
	tok := "aUDVGsaXO160poDE-XAQYmhI_09bpXn5" // an hcpToken's 32 base64url characters
	lead := "-UDVGsaXO160poDEOXAQYmhI_09bpXn5"
	const r = "[redacted]"
	for _, tt := range []struct{ path, logged string }{
		{"/sessions/" + tok[:16] + "/cancel/-/" + tok[17:], "/sessions/" + r + "/cancel/" + r + "/" + r},
		{"/sessions/" + tok[:16] + "/-/v2.0/" + tok[17:], "/sessions/" + r + "/" + r + "/v2.0/" + r},
		{"/pps/api/v1/session-record/-/v2.0/" + lead[1:5] + "/" + lead[5:], "/pps/api/v1/session-record/" + r + "/v2.0/" + r + "/" + r},
		{"/sessions/_/v1/" + "f" + "/" + "nB5a_0dQ6_hGrWa1_a16KASMC7AgVm", "/sessions/" + r + "/v1/" + r + "/" + r},
		{"/v1/session/EEBE4AdeTdxSGr/status/__/gL7DT7eZ-gLo5qXD", "/v1/session/" + r + "/status/" + r + "/" + r},
		// Ids stay readable.
		{"/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/-/cancel", "/sessions/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b/-/cancel"},
		{"/v1/session/-/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b", "/v1/session/-/0b7e5d3a-1f2c-4e8a-9b6d-3c5f7a9e1d2b"},
	} {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", tt.path, got, tt.logged)
		}
	}
}
