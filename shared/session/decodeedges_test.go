package session

import "testing"

// TestDecodingEdges holds HoldsCardNumber's two decoders at their edges
// (jsonUnescapeOnce: "\uXXXX becomes its character, ... \n \r \t \f \b \/
// \\ and \" what they stand for, and anything else (a malformed escape
// included) stays"; urlDecodeOnce: "every %HH escape becomes its byte, a
// '+' after an ASCII digit a space, and anything else (a malformed escape
// included) stays"): each case kills a mutant of the decoders that
// survived every other test.
func TestDecodingEdges(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`\u0034`, "4"},      // an escape that ends the text
		{`\u003`, `\u003`},   // too short to be one
		{`\u00zz`, `\u00zz`}, // not hex
		{`\u004G\u0039\u006f\u004F\u004f`, `\u004G9oOO`},
		{`\/\\\"`, `/\"`},
		{`4111\1111`, `4111\1111`}, // \1 is no escape
		{`\x0034`, `\x0034`},       // nor \x
		{`\b\f`, "\b\f"},
	} {
		if got, _ := jsonUnescapeOnce(tc.in); got != tc.want {
			t.Errorf("jsonUnescapeOnce(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"%39%2f%2F%6f%6F", "9//oo"},
		{"%x1%1x%zz%g0%", "%x1%1x%zz%g0%"},
		{"4+1", "4 1"}, {"0+9+", "0 9 "},
		{"+1", "+1"}, {"x+1", "x+1"}, {"/+1", "/+1"}, {":+1", ":+1"},
	} {
		if got, _ := urlDecodeOnce(tc.in); got != tc.want {
			t.Errorf("urlDecodeOnce(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`4111\/1111\/1111\/1111`, true},                                   // \/ is a '/' to a JSON reader
		{`411111111111111\u0031`, true},                                    // the last digit escaped
		{`4111\b1111\b1111\b1111`, true},                                   // backspaces, invisible, as a JSON reader reads them
		{`4111\f1111\f1111\f1111`, true},                                   // form feeds
		{"4+111111111111111", true},                                        // 4 111111111111111 to a URL reader
		{"5105+1051+0510+5100", true},                                      // a '+' after a 0
		{"6011+0009+9013+9424", true},                                      // a '+' after a 9
		{"x+378282246310005", false},                                       // a phone number after a letter: the '+' follows no digit
		{`4111\1111\1111\1111`, false},                                     // a backslash is no separator, \1 no escape
		{"41111111-1111-4111-8111-111111111111 1111 1111 1111 111", false}, // a UUID lends no digit to the run after it
	} {
		if got := HoldsCardNumber(tc.in); got != tc.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}
