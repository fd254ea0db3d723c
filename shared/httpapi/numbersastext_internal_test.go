package httpapi

import "testing"

// TestNumbersAsText holds how a panic value's lists of numbers are read as
// the text they code (README, Security: a panic's value is logged "only
// when it holds no card number, API key (`psk_`) …", and "a panic can
// quote request data": a []rune or []uint16 of it prints as numbers). Each
// row is a rule of numbersAsText's doc comment: lists as fmt prints them,
// nested ones one after another with a space between (a card number split
// one group to a list stays one number, never cut by a stray character),
// a list cut open at the end, and a number that codes no character
// (negative, beyond U+10FFFF however long) read as U+FFFD, which ends any
// run. Text not in fmt's form (a space after '[', two spaces) ends the
// list there. Before, a negative number read as its digits' character,
// U+10FFFF and a number growing past it were unheld, and a nested list
// read with a NUL after each inner list passed every test, as did one
// growing without the bound (2^64+52 wrapped to '4': r92-mutate N3).
func TestNumbersAsText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"no list", ""},
		{"[]", ""},
		{"[52 49 49 49]", "4111 "},
		{"x[52]y[49]", "4 1 "},
		{"[[52 49] [49 49]]", "41 11 "},
		{"[52 49", "41 "},
		{"[52 49 ", "41 "},
		{"[57 48]", "90 "},
		{"[1114111]", "\U0010FFFF "},
		{"[1114112]", "\uFFFD "},
		{"[11141110]", "\uFFFD "},
		{"[99999999999999999999999]", "\uFFFD "},
		// 2^64+52: a number past U+10FFFF is held there as it grows, never
		// wrapped around int's range to the '4' it is modulo 2^64.
		{"[18446744073709551668]", "\uFFFD "},
		{"[55296]", "\uFFFD "}, // a surrogate
		{"[-52 49]", "\uFFFD1 "},
		{"[-0]", "\uFFFD "},
		{"[--52]", ""},
		{"[ 52]", ""},
		{"[52  49]", "4 "},
		{"[52-49]", ""},
	}
	for _, tt := range tests {
		if got := numbersAsText(tt.in); got != tt.want {
			t.Errorf("numbersAsText(%q): got %q; want %q", tt.in, got, tt.want)
		}
	}
}
