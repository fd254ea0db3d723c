package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedMethodIsASCIILettersOnly: README, "The log line's `method`,
// and a 405's detail, show the method only when it is 1 to 20 ASCII
// letters, else `[redacted]`". An empty method is no letters, and a byte
// past 'z' ('|' and '~' are token characters to HTTP; a UTF-8 byte) is no
// ASCII letter (r100-mutate: a mutant that logged "" and one that read
// every byte from 'a' up as a letter both passed every test).
func TestLoggedMethodIsASCIILettersOnly(t *testing.T) {
	for _, tt := range []struct{ method, logged string }{
		{"", redacted},
		{"GET|", redacted},
		{"get~", redacted},
		{"GET\x7f", redacted},
		{"GETé", redacted},
		{"GET", "GET"},
		{"az", "az"},
	} {
		if got := loggedMethod(tt.method); got != tt.logged {
			t.Errorf("loggedMethod(%q) = %q; want %q", tt.method, got, tt.logged)
		}
	}
}

// TestLoggedPathRulesAtTheirEdges pins each path rule where it starts and
// stops, as README's request log line says it (r100-mutate: a mutant of
// each case passed every other test).
func TestLoggedPathRulesAtTheirEdges(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // a key's secret: 64 hex digits
	upper := strings.ToUpper(secret)
	// A key's secret written in upper case is the secret still: "every
	// segment of a run of segments made of hex digits alone ... that holds
	// more than 32 hex digits in all, decimal digits and letters both among
	// them".
	cases := []struct{ name, path, logged string }{
		{"secret in upper case cut by /", "/sessions/" + upper[:32] + "/" + upper[32:], "/sessions/[redacted]/[redacted]"},
		{"secret in upper case cut in three", "/sessions/" + upper[:20] + "/" + upper[20:40] + "/" + upper[40:], "/sessions/[redacted]/[redacted]/[redacted]"},
		// "every segment of a run of segments of base64url characters, none
		// only hex digits and dashes nor only lower-case letters and
		// dashes, that joined hold 32 or more characters": v1 is such a
		// segment, and 30 + 2 characters are 32.
		{"32 characters with v1", "/sessions/AbCdEfGhIjKlMnOpQrStUvWxYz0123/v1", "/sessions/[redacted]/[redacted]"},
		// "... upper- and lower-case letters and digits among them": a run
		// without an upper-case letter, or without a lower-case one, is no
		// hcpToken, and is logged as sent.
		{"no upper-case letter", "/docs/abc_defghijklmnop/qrstuvwxyz_0123456", "/docs/abc_defghijklmnop/qrstuvwxyz_0123456"},
		{"no lower-case letter", "/docs/ABC_DEFGHIJKLMNOP/QRSTUVWXYZ_0123456", "/docs/ABC_DEFGHIJKLMNOP/QRSTUVWXYZ_0123456"},
		// "ids stay readable (a UUID, document 001's GUID layouts, ...)":
		// the N layout, 32 hex digits, in either case or both.
		{"GUID N layout in mixed case", "/v1/session/0123456789ABCDEFabcdef0123456789", "/v1/session/0123456789ABCDEFabcdef0123456789"},
		// "or more than 64 bytes (...; but for document 001's GUID in the
		// 68-character X layout)": 68 characters, not one more.
		{"GUID X layout", "/v1/session/{0x00112233,0x4455,0x6677,{0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff}}", "/v1/session/{0x00112233,0x4455,0x6677,{0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff}}"},
		{"GUID X layout and a space", "/v1/session/ {0x00112233,0x4455,0x6677,{0x88,0x99,0xaa,0xbb,0xcc,0xdd,0xee,0xff}}", "/v1/session/[redacted]"},
	}
	for _, tt := range cases {
		if got := loggedPath(tt.path); got != tt.logged {
			t.Errorf("%s: loggedPath(%q) = %q; want %q", tt.name, tt.path, got, tt.logged)
		}
	}
}
