package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathFindsACutSecretGluedToAMark: README's "a token, key,
// secret or card number never reaches a log". A secret cut by '/' whose
// first piece follows, or whose last piece is followed by, a character
// that is no base64url (a brace of document 001's B layout, a ';', ',',
// ')', '~' or a space a client wrote beside it) left that piece out of
// the run: the piece's segment is no hex or base64url piece as a whole.
// r100-seeds013 measured it on make run's 404 of such a path, and on
// make start-api's function with each '/' sent as %252F, as on AWS:
// "/v1/session/psk_<...>/<25 hex>/<22 hex>;" logged its last 22 hex
// digits as sent, and "/v2.0/payments/{psk_<...>/<25 hex>/<22 hex>}/status"
// 47 of the secret's 64. A piece glued to such a mark is read up to the
// mark, as one cut there: its segment is redacted with the rest of the
// run. A routed path has no such run: an id glued to a mark ({uuid},
// uuid%20) is hex digits and dashes, no run of a secret, and stays as
// sent.
func TestLoggedPathFindsACutSecretGluedToAMark(t *testing.T) {
	key := "psk_" + strings.Repeat("0123456789abcdef", 5)[:17] + "_" + strings.Repeat("a1b2c3d4e5f60789", 4)
	a, b, c := key[:len(key)-47], key[len(key)-47:len(key)-22], key[len(key)-22:]
	hcp := "LIcle4GQOtiWpKDsfYXsC8cx8fgPRdZE"
	tok := splitHeader + "." + splitClaims + "." + splitSig
	tests := []struct {
		path, secret string
	}{
		{"/v1/checkout-sessions/" + a + "/" + b + "/" + c + "}", c},
		{"/v1/session/" + a + "/" + b + "/" + c + ";", c},
		{"/v1/session/" + a + "/" + b + "/" + c + ",x", c},
		{"/v1/checkout-sessions/" + a + "/" + b + "/" + c + "~", c},
		{"/v1/checkout-sessions/" + a + "/" + b + "/" + c + " ", c},
		{"/v2.0/payments/{" + a + "/" + b + "/" + c + "}/status", b},
		{"/v2.0/payments/{" + a + "/x/../" + b + "/x/../" + c + "}/status", b},
		{"/v2.0/payments/(" + a + "/" + b + "/" + c + ")/status", c},
		{"/x/" + b[:20] + "/" + b[20:] + c + "}", b[:20]},
		{"/x/{" + b + "/" + c, b},
		{"/sessions/" + hcp[:12] + "/" + hcp[12:] + ")", hcp[12:]},
		{"/sessions/(" + hcp[:12] + "/" + hcp[12:], hcp[:12]},
		{"/sessions/{" + tok[:40] + "/" + tok[40:120] + "/" + tok[120:] + "}", tok[120:]},
	}
	for _, tt := range tests {
		if got := loggedPath(tt.path); strings.Contains(got, tt.secret) {
			t.Errorf("loggedPath(%q) = %q; want no piece of the secret (%q)", tt.path, got, tt.secret)
		}
	}
	// Ids glued to a mark stay readable.
	for _, path := range []string{
		"/v2.0/payments/{a0dc3aca-92f7-4cac-9f12-208a2916be7d}/status",
		"/v2.0/payments/(A0DC3ACA-92F7-4CAC-9F12-208A2916BE7D)/status",
		"/v1/session/a0dc3aca-92f7-4cac-9f12-208a2916be7d;x",
		"/api-keys/0123456789abcdef}",
		"/v2.0/payments/{0xa0dc3aca,0x92f7,0x4cac,{0x9f,0x12,0x20,0x8a,0x29,0x16,0xbe,0x7d}}/status",
	} {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want it as sent", path, got)
		}
	}
}
