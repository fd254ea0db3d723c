package session

import "testing"

// TestJSONUnescapeAtTheEnd: a backslash as a text's last character starts
// no escape and "stays" (jsonUnescapeOnce: "anything else (a malformed
// escape included) stays"), whatever precedes it; a free-form string may
// end with one (a Windows path, a regular expression).
func TestJSONUnescapeAtTheEnd(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		changed  bool
	}{
		{`\`, `\`, false},
		{`C:\`, `C:\`, false},
		{`4111 1111 1111 1111\`, `4111 1111 1111 1111\`, false},
		{`a\nb\`, "a\nb\\", true},
		{`\\`, `\`, true},
		{`\u0034\`, `4\`, true},
	} {
		got, changed := jsonUnescapeOnce(tc.in)
		if got != tc.want || changed != tc.changed {
			t.Errorf("jsonUnescapeOnce(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
		}
	}
	for _, in := range []string{`C:\`, `\u0034111\`, `4111%20\`} {
		if HoldsCardNumber(in) {
			t.Errorf("HoldsCardNumber(%q) = true; want false", in)
		}
	}
	if !HoldsCardNumber(`\u0034111111111111111\`) {
		t.Errorf("HoldsCardNumber(%q) = false; want true", `\u0034111111111111111\`)
	}
}

// TestJSONUnescapeSurrogatePairs: "\uXXXX becomes its character (a
// surrogate pair one character, a lone surrogate U+FFFD)"
// (jsonUnescapeOnce), so a card number written in digits outside the BMP
// and escaped as JSON does (MATHEMATICAL BOLD DIGIT FOUR U+1D7D2 is
// \ud835\udfd2) is read as the digits a JSON reader shows.
func TestJSONUnescapeSurrogatePairs(t *testing.T) {
	four, one := `\ud835\udfd2`, `\ud835\udfcf` // 𝟒 𝟏
	pan := four + one + one + one + " " + one + one + one + one + " " + one + one + one + one + " " + one + one + one + one
	for _, tc := range []struct {
		in, want string
	}{
		{four, "\U0001d7d2"},
		{four + one, "\U0001d7d2\U0001d7cf"},
		{`\ud835`, "\ufffd"},
		{`\ud835x`, "\ufffdx"},
		{`\ud835\u0034`, "\ufffd4"},
		{`\udfd2\ud835`, "\ufffd\ufffd"},
	} {
		if got, _ := jsonUnescapeOnce(tc.in); got != tc.want {
			t.Errorf("jsonUnescapeOnce(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	if !HoldsCardNumber(pan) {
		t.Errorf("HoldsCardNumber(%q) = false; want true", pan)
	}
}
