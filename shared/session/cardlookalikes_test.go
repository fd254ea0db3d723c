package session

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// lookalikeSeparators are the characters a reader or an input method puts
// for a dot, a dash, a slash or a space between digit groups that are no
// white space, no category Pd dash and no compatibility form of '.', '/'
// or '_': the ideographic full stop 。 and the prolonged sound mark ー and
// katakana middle dot ・ a Japanese input method writes for '.', '-' and
// '/', the middle dots, the swung dash (Unicode's Dash), the fraction and
// division slashes and the braille pattern blank, with their half-width
// and other compatibility forms (NFKC one of them).
var lookalikeSeparators = []struct {
	r    rune
	name string
}{
	{'\u3002', "IDEOGRAPHIC FULL STOP"},
	{'\uff61', "HALFWIDTH IDEOGRAPHIC FULL STOP"},
	{'\ufe12', "PRESENTATION FORM FOR VERTICAL IDEOGRAPHIC FULL STOP"},
	{'\u30fc', "KATAKANA-HIRAGANA PROLONGED SOUND MARK"},
	{'\uff70', "HALFWIDTH KATAKANA-HIRAGANA PROLONGED SOUND MARK"},
	{'\u30fb', "KATAKANA MIDDLE DOT"},
	{'\uff65', "HALFWIDTH KATAKANA MIDDLE DOT"},
	{'\u00b7', "MIDDLE DOT"},
	{'\u0387', "GREEK ANO TELEIA"},
	{'\u2027', "HYPHENATION POINT"},
	{'\u2219', "BULLET OPERATOR"},
	{'\u22c5', "DOT OPERATOR"},
	{'\u2e31', "WORD SEPARATOR MIDDLE DOT"},
	{'\u2053', "SWUNG DASH"},
	{'\u2044', "FRACTION SLASH"},
	{'\u2215', "DIVISION SLASH"},
	{'\u29f8', "BIG SOLIDUS"},
	{'\u2800', "BRAILLE PATTERN BLANK"},
	// r81-seeds: dots, dashes and a slash that still joined groups.
	{'\u2e33', "RAISED DOT"},
	{'\u16eb', "RUNIC SINGLE PUNCTUATION"},
	{'\ua78f', "LATIN LETTER SINOLOGICAL DOT"},
	{'\u2500', "BOX DRAWINGS LIGHT HORIZONTAL"},
	{'\u2501', "BOX DRAWINGS HEAVY HORIZONTAL"},
	{'\u23af', "HORIZONTAL LINE EXTENSION"},
	{'\u2796', "HEAVY MINUS SIGN"},
	{'\u02d7', "MODIFIER LETTER MINUS SIGN"},
	{'\u2043', "HYPHEN BULLET"},
	{'\u2571', "BOX DRAWINGS LIGHT DIAGONAL UPPER RIGHT TO LOWER LEFT"},
}

// TestCardSeparatorsAReaderOrAnInputMethodPuts: docs/design.md §3, a
// candidate is found inside a run of digits and separators "or the
// lookalikes a reader or an input method puts for a dot, dash, slash or
// space between digit groups". Each of them between the groups of
// 4111111111111111 is a card number in every reading the guard makes: as
// written, in ASCII and in full-width digits; in NFKC; URL-encoded, once
// and twice; JSON-escaped; and a draft that holds it is refused with
// CARD_NUMBER_REFUSED. Each also ends nothing it should not: four in a
// row end the run, a UUID beside one is an identifier, a phone number
// after '+' stays one, short digit runs between them are no card number.
func TestCardSeparatorsAReaderOrAnInputMethodPuts(t *testing.T) {
	for _, sep := range lookalikeSeparators {
		s := string(sep.r)
		if got, want := isCardSeparator(sep.r), true; got != want {
			t.Errorf("isCardSeparator(%U %s) = %v; want %v", sep.r, sep.name, got, want)
		}
		if got, want := refSeparator(sep.r), true; got != want {
			t.Errorf("refSeparator(%U %s) = %v; want %v", sep.r, sep.name, got, want)
		}
		card := strings.Join([]string{"4111", "1111", "1111", "1111"}, s)
		fullWidth := strings.Join([]string{"４１１１", "１１１１", "１１１１", "１１１１"}, s)
		escaped := fmt.Sprintf(`\u%04x`, sep.r)
		for _, tt := range []struct {
			reading string
			got     bool
			want    bool
		}{
			{"as written", LooksLikeCardNumber(card), true},
			{"full-width digits", LooksLikeCardNumber(fullWidth), true},
			{"spaced", LooksLikeCardNumber(strings.Join([]string{"4111", "1111", "1111", "1111"}, " "+s+" ")), true},
			{"with an expiry", LooksLikeCardNumber(card + s + "12" + s + "28"), true},
			{"in NFKC", LooksLikeCardNumber(norm.NFKC.String(card)), true},
			{"held", HoldsCardNumber(card), true},
			{"URL-encoded", HoldsCardNumber(url.PathEscape(card)), true},
			{"URL-encoded twice", HoldsCardNumber(url.PathEscape(url.PathEscape(fullWidth))), true},
			{"JSON-escaped", HoldsCardNumber(`{"pan":"4111` + escaped + `1111` + escaped + `1111` + escaped + `1111"}`), true},
			{"four in a row", LooksLikeCardNumber(strings.Join([]string{"4111", "1111", "1111", "1111"}, strings.Repeat(s, 4))), false},
			{"four in a row, held", HoldsCardNumber(strings.Join([]string{"4111", "1111", "1111", "1111"}, strings.Repeat(s, 4))), false},
			{"a UUID beside it", HoldsCardNumber("41234568-1234-4123-8123-123456789012" + s + "1111" + s + "41234568-1234-4123-8123-123456789012"), false},
			{"a phone number", HoldsCardNumber("+49" + s + "1512" + s + "3456787"), false},
			{"short runs", HoldsCardNumber("第1" + s + "第2" + s + "2026" + s + "12" + s + "31"), false},
		} {
			if tt.got != tt.want {
				t.Errorf("%U %s, %s: got %v; want %v", sep.r, sep.name, tt.reading, tt.got, tt.want)
			}
		}
		d := Draft{Amount: new(int64), Currency: "EUR", Metadata: map[string]string{"note": card}}
		if got, want := ErrorReason(d.Validate()), ReasonCardNumber; got != want {
			t.Errorf("%U %s: a draft whose metadata holds %q: Validate() reason %v; want %v", sep.r, sep.name, card, got, want)
		}
	}
}
