package session

import "testing"

// TestFormEncodedRunsAfterSeparators: the guard reads a text "also as a
// URL decoder reads it, percent- or form-encoded" (README, Security), and a
// URL decoder reads every '+' of a form-encoded text as a space. A number
// typed with two spaces between its groups, or " - ", or in full-width or
// superscript digits, is form-encoded 4111++1111++..., 4111+-+1111+-+...,
// ４１１１+１１１１+...: each reads as a card number the rule refuses
// written out (4111  1111  1111  1111), and was stored (r94-writes: a
// '+' was read as a space only right after an ASCII digit). A '+' that
// follows no digit, or written white space after one, still starts a
// phone number.
func TestFormEncodedRunsAfterSeparators(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"pan=4111++1111++1111++1111", true},                                                    // two spaces between groups
		{"pan=4111+++1111+++1111+++1111", true},                                                 // three
		{"pan=4111+-+1111+-+1111+-+1111", true},                                                 // " - "
		{"pan=4111-+1111-+1111-+1111", true},                                                    // "- "
		{"pan=4111.+1111.+1111.+1111", true},                                                    // ". "
		{"pan=４１１１+１１１１+１１１１+１１１１", true},                                                       // full-width digits
		{"pan=⁴¹¹¹+¹¹¹¹+¹¹¹¹+¹¹¹¹", true},                                                       // superscript digits
		{"pan=4111\u20e3+1111+1111+1111", true},                                                 // a keycap's mark before the '+'
		{"pan=4111%20+1111%20+1111%20+1111", true},                                              // a space encoded, then a '+'
		{"4111%252B%252B1111%252B%252B1111%252B%252B1111", true},                                // "++" encoded twice
		{"pan=⒋⒈⒈⒈+⒈⒈⒈⒈+⒈⒈⒈⒈+⒈⒈⒈⒈", true},                                                       // digit full stops: "1." to NFKC, a digit and a separator
		{"pan=4111\u200b\u200b\u200b+1111\u200b\u200b\u200b+1111\u200b\u200b\u200b+1111", true}, // zero-width spaces count for none
		{"pan=4111%0D%0A%0D%0A+1111%0D%0A%0D%0A+1111%0D%0A%0D%0A+1111", true},                   // a blank line and a space: a CR LF counts once (r94-review)
		{"pan=4111+%0D%0A+1111+%0D%0A+1111+%0D%0A+1111", true},                                  // " \r\n "
		{"pan=4111%0D%01%0A%0D%0A+1111%0D%01%0A%0D%0A+1111%0D%01%0A%0D%0A+1111", true},          // an invisible one between CR and LF is not there
		{"pan=4111++++1111++++1111++++1111", false},                                             // four separators end a run
		{"Call 24/7 +49 1512 3456787", false},                                                   // written white space: a phone number's '+'
		{"Tel.+49+1512+3456787", false},                                                         // a '+' after a letter and a '.'
		{"+49+1512+3456787", false},                                                             // a leading '+'
		{"x+-+378282246310005", false},                                                          // separators after a letter
		{"%2B62+812+3456+7808", false},
		{"+49 30 1234567/+49 1512 3456787", true},    // two phone numbers joined by '/': one run to a URL decoder (README)
		{"+49 30 1234567 / +49 1512 3456787", false}, // joined by " / ": two phone numbers
		{"Zimmer 12/+49 1512 3456787", true},         // after a digit and '/': more of the run (README)
		{"Tel 030-+49 1512 3456787", true},           // after a digit and '-'
		{"4111 +1111 1111 1111", false},              // README's known limit: "4111" and, after written white space, a phone number of 12 digits (r98-regress)
		{"Zimmer 12 / +49 1512 3456787", false},      // after written white space: a phone number                                                          // an encoded phone number
	} {
		if got := HoldsCardNumber(tt.s); got != tt.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"4++1", "4  1"}, {"4+-+1", "4 - 1"}, {"４+1", "４ 1"}, {"4+++1", "4   1"},
		{"⒈+1", "⒈ 1"}, {"⒈.+1", "⒈. 1"}, {"⒈..+1", "⒈..+1"}, // ⒈ is "1.": the third separator ends the run
		{"Ａ+1", "Ａ+1"}, // a full-width letter is a letter
		{"4\u200b\u200b\u200b+1", "4\u200b\u200b\u200b 1"}, {"4\x01\x01\x01\x01+1", "4\x01\x01\x01\x01 1"}, // invisible separators count for none, as the rule counts them
		{"4\x1f+1", "4\x1f 1"}, {"4\x7f+1", "4\x7f 1"}, {"4_+1", "4_ 1"}, // control characters and '_' are separators
		{"4\t+1", "4\t+1"}, {"4%09+1", "4\t 1"}, // a tab written as such, or one decoded
		{"4\u00a0+1", "4\u00a0+1"}, {"4%C2%A0+1", "4\u00a0 1"}, // a no-break space written as such, or one decoded
		{"4+++ +1", "4    +1"},                                                                                                                              // a third separator, then written white space: the '+' after it keeps its meaning
		{"4%0D%0A%0D%0A+1", "4\r\n\r\n 1"}, {"4%0A%0D%0A+1", "4\n\r\n 1"}, {"4%0D%0A%0D%0A%0D%0A+1", "4\r\n\r\n\r\n+1"}, {"4%0A%0A%0D%0A+1", "4\n\n\r\n+1"}, // a CR LF counts once, an LF CR twice
		{"x-+1", "x-+1"}, {" +1", " +1"}, {"4 +1", "4 +1"},
	} {
		if got, _ := urlDecodeOnce(tc.in); got != tc.want {
			t.Errorf("urlDecodeOnce(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
