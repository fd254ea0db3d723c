package session

import "testing"

// TestUUIDTouchedByADigitIsNoIdentifier: docs/design.md §3 reads "any
// Unicode decimal digit (and superscript, subscript and circled digits)"
// as a digit and exempts only "a canonical UUID untouched by letters or
// digits"; LooksLikeCardNumber's rule reads a combining mark or a
// variation selector "as if it were not there". So a UUID that an
// Arabic-Indic, Devanagari or circled digit touches, or an ASCII digit
// with a mark between, is no identifier, and the card number its digits
// make with that digit is one: 4 + 11111111-1111-1113 is the Luhn-valid
// 17-digit Visa number 41111111111111113, and 411111111111 + 1111 after a
// UUID's last dash is 4111111111111111, shown as one block of 16 digits.
// On the code before this test, only an ASCII letter or digit byte right
// next to the UUID counted, and every "true" case below passed the guard.
func TestUUIDTouchedByADigitIsNoIdentifier(t *testing.T) {
	const head = "11111111-1111-1113-1111-111111111111"
	const tail = "00000000-0000-4000-8000-411111111111"
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"4" + head, true},                  // an ASCII digit: no identifier (as before)
		{"\u0664" + head, true},             // ARABIC-INDIC DIGIT FOUR
		{"\u096a" + head, true},             // DEVANAGARI DIGIT FOUR
		{"\u2779" + head, true},             // DINGBAT NEGATIVE CIRCLED DIGIT FOUR
		{"\u2463" + head, true},             // CIRCLED DIGIT FOUR
		{"4\u0332" + head, true},            // 4 with a combining low line
		{"4\ufe0f\u20e3" + head, true},      // the keycap 4
		{"\u0664\u0332\u0332" + head, true}, // marks after a digit of another script
		{tail + "1111", true},               // an ASCII digit after: no identifier (as before)
		{tail + "\u0661\u0661\u0661\u0661", true},
		{tail + "\u0967\u0967\u0967\u0967", true},
		{tail + "\u2460\u2460\u2460\u2460", true},
		{tail + "\u03321111", true},
		{tail + "\ufe0e1111", true},
		// Untouched by a digit, a UUID stays an identifier.
		{head, false},
		{tail, false},
		{"\u0664 " + head, false}, // a space between
		{"\u0664-" + head, false}, // a dash between
		{tail + " \u0661\u0661\u0661\u0661", false},
		{"x\u0332" + tail + "\u0332/1", false},
		{"\u00e9" + tail, false}, // a letter outside ASCII adds no digit
		{"\u0332" + head + "\u0332", false},
	} {
		if got := LooksLikeCardNumber(tc.in); got != tc.want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
		if got := HoldsCardNumber(tc.in); got != tc.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

// TestUUIDShape holds the exemption to a UUID's canonical form exactly:
// "8-4-4-4-12 ASCII hex digits joined by '-'" (LooksLikeCardNumber). Each
// UUID below holds a hex letter at an edge of its ranges (a, f, A, F), so
// it is an identifier even though 41111111-1111-1111 reads 8-4-4 as the
// Visa number 4111111111111111; each near-UUID (a letter past f, spaces
// for the dashes, a first character that is no hex digit) is no UUID, and
// the card number its digits make is one.
func TestUUIDShape(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"41111111-1111-1111-a111-111111111111", false},
		{"41111111-1111-1111-f111-111111111111", false},
		{"41111111-1111-1111-A111-111111111111", false},
		{"41111111-1111-1111-F111-111111111111", false},
		{"41111111-1111-1111-1111-11111111111a", false},
		{"41111111-1111-1111-1111-11111111111F", false},
		{"41111111-1111-1111-1111-11111111111g", true},
		{"41111111-1111-1111-1111-11111111111G", true},
		{"41111111-1111-1111-1111-11111111111:", true},
		{"41111111 1111 1111 1111 111111111111", true},
		{"41111111-1111-1111 1111-111111111111", true},
		{"g4111111-1111-1116-1111-111111111111", true}, // 4111111 1111 1116, a 15-digit Visa number
	} {
		if got := LooksLikeCardNumber(tc.in); got != tc.want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

// TestUUIDTouchedByAnASCIILetterOrDigit: "no ASCII letter and no digit
// right before or after it"; each edge of the ASCII ranges (0 9 a z A Z)
// touching 41111111-1111-1111-1111-111111111111 makes it no UUID, and its
// 8-4-4 digits the card number 4111111111111111; the characters next to
// those ranges (/ : @ [ ` {) leave it a UUID.
func TestUUIDTouchedByAnASCIILetterOrDigit(t *testing.T) {
	const u = "41111111-1111-1111-1111-111111111111"
	for _, in := range []string{
		u + "0", u + "9", // a digit before would make the first group 9 digits long
		"a" + u, "z" + u, "A" + u, "Z" + u, u + "a", u + "z", u + "A", u + "Z",
	} {
		if !LooksLikeCardNumber(in) {
			t.Errorf("LooksLikeCardNumber(%q) = false; want true", in)
		}
	}
	for _, c := range []string{"/", "-", "@", "[", "`", "{", ":"} {
		for _, in := range []string{c + u, u + c} {
			if LooksLikeCardNumber(in) {
				t.Errorf("LooksLikeCardNumber(%q) = true; want false", in)
			}
		}
	}
}
