package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathSecretCutBySlashAndMarks: docs/design.md §7's "Tokens,
// keys and secrets never reach a log". A key's secret or an hcpToken cut
// by '/' into segments is redacted, and so is an hcpToken cut inside one
// segment by a mark; a secret cut both ways, by '/' between segments and
// by a mark (';', '.', '~', ',', a space sent as %20) inside them, was
// logged whole on make run (its 404 of a path no route matches) and, with
// each '/' sent as %252F, by the function on make start-api, as in Lambda:
// /payment-sessions/<16>;<16>/<16>;<16> held a key's whole secret, and
// /sessions/<10>;<10>/<12> a whole hcpToken (r112-logs). Each piece of
// the secret is redacted; an id in any layout a route reads stays as sent.
func TestLoggedPathSecretCutBySlashAndMarks(t *testing.T) {
	const (
		secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" // a key's secret: 64 hex digits
		hcp    = "JzAfhPwUa8rpeYmRKF3ThaqLQPI0erN4"                                 // an hcpToken: 32 base64url characters
	)
	tests := []struct {
		name   string
		path   string
		pieces []string // what the log must not show
	}{
		{"secret: ';' inside, '/' between", "/payment-sessions/" + secret[:16] + ";" + secret[16:32] + "/" + secret[32:48] + ";" + secret[48:], []string{secret[:16], secret[16:32], secret[32:48], secret[48:]}},
		{"secret: '.' inside, '/' between", "/x/" + secret[:16] + "." + secret[16:32] + "/" + secret[32:48] + "." + secret[48:], []string{secret[:16], secret[16:32], secret[32:48], secret[48:]}},
		{"secret: '~' inside the first segment only", "/x/" + secret[:21] + "~" + secret[21:42] + "/" + secret[42:], []string{secret[:21], secret[21:42], secret[42:]}},
		{"secret: %20 inside, '/' between", "/x/" + secret[:20] + "%20" + secret[20:40] + "/" + secret[40:], []string{secret[:20], secret[20:40], secret[40:]}},
		{"hcpToken: ';' inside, '/' between", "/sessions/" + hcp[:10] + ";" + hcp[10:20] + "/" + hcp[20:], []string{hcp[:10], hcp[10:20], hcp[20:]}},
		{"hcpToken: '/' then ','", "/sessions/" + hcp[:10] + "/" + hcp[10:20] + "," + hcp[20:], []string{hcp[:10], hcp[10:20], hcp[20:]}},
		{"README's former limit", "/v1/session/kp2kEJpg;AJIWr2Qs/kT9eF_HPiF_2;S098", []string{"kp2kEJpg", "AJIWr2Qs", "kT9eF_HPiF_2", "S098"}},
		{"hcpToken: routed, as a function sees %252F", "/sessions/" + hcp[:10] + ";" + hcp[10:20] + "/" + hcp[20:] + "/events", []string{hcp[:10], hcp[10:20], hcp[20:]}},
	}
	for _, tt := range tests {
		got := loggedPath(tt.path)
		for _, p := range tt.pieces {
			if strings.Contains(got, p) {
				t.Errorf("%s: loggedPath(%q) = %q; want no piece of the secret (%q)", tt.name, tt.path, got, p)
			}
		}
	}
	keep := []string{
		"/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/cancel",
		"/v2.0/payments/{0x7A6A538D,0xAE75,0x45F3,{0x97,0xE5,0x2D,0x36,0xE2,0xC6,0x89,0xA0}}/status",
		"/v2.0/payments/{0x7a6a538d,0xae75,0x45f3,{0x97,0xe5,0x2d,0x36,0xe2,0xc6,0x89,0xa0}}/status",
		"/v2.0/payments/(7A6A538D-AE75-45F3-97E5-2D36E2C689A0)/status",
		"/v2.0/payments/{7A6A538D-AE75-45F3-97E5-2D36E2C689A0}/status",
		"/api-keys/0123456789abcdef",
		"/pps/api/v1/session-record/7a6a538d-ae75-45f3-97e5-2d36e2c689a0",
		"/pps/api/v1/session-record",
	}
	for _, path := range keep {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want %q", path, got, path)
		}
	}
}
