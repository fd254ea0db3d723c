package session

import (
	"strings"
	"testing"
	"unicode"
)

// The card rule reads two classes of character from Unicode's
// normalisation tables (golang.org/x/text/unicode/norm) rather than from a
// list of its own: a compatibility form of a digit (compatDigit) and a
// compatibility form of a separator (compatSeparator). README names
// characters of both, and the rule's reference (refCompat, refSeparator)
// reads the same tables, so a table that changed either class would pass
// every test that compares the two. These are the classes as the tables
// of golang.org/x/text v0.44.0 give them (its Unicode 15.0.0 tables, which
// Go 1.26 builds, and its Unicode 17.0.0 ones, which Go 1.27 will build,
// give the same): TestCardTablesReadWhatREADMENames fails when an upgrade
// moves a character in or out, so README's lists are read again.

// compatDigitsToday is every character that is no decimal digit (category
// Nd) and that the rule reads as a digit, with its value: the superscripts,
// subscripts, circled and parenthesized digits.
var compatDigitsToday = map[rune]byte{
	0x00b2: 2, 0x00b3: 3, 0x00b9: 1, 0x2070: 0, 0x2074: 4, 0x2075: 5,
	0x2076: 6, 0x2077: 7, 0x2078: 8, 0x2079: 9, 0x2080: 0, 0x2081: 1,
	0x2082: 2, 0x2083: 3, 0x2084: 4, 0x2085: 5, 0x2086: 6, 0x2087: 7,
	0x2088: 8, 0x2089: 9, 0x2460: 1, 0x2461: 2, 0x2462: 3, 0x2463: 4,
	0x2464: 5, 0x2465: 6, 0x2466: 7, 0x2467: 8, 0x2468: 9, 0x2474: 1,
	0x2475: 2, 0x2476: 3, 0x2477: 4, 0x2478: 5, 0x2479: 6, 0x247a: 7,
	0x247b: 8, 0x247c: 9, 0x24ea: 0, 0x24f5: 1, 0x24f6: 2, 0x24f7: 3,
	0x24f8: 4, 0x24f9: 5, 0x24fa: 6, 0x24fb: 7, 0x24fc: 8, 0x24fd: 9,
	0x24ff: 0, 0x2776: 1, 0x2777: 2, 0x2778: 3, 0x2779: 4, 0x277a: 5,
	0x277b: 6, 0x277c: 7, 0x277d: 8, 0x277e: 9, 0x2780: 1, 0x2781: 2,
	0x2782: 3, 0x2783: 4, 0x2784: 5, 0x2785: 6, 0x2786: 7, 0x2787: 8,
	0x2788: 9, 0x278a: 1, 0x278b: 2, 0x278c: 3, 0x278d: 4, 0x278e: 5,
	0x278f: 6, 0x2790: 7, 0x2791: 8, 0x2792: 9, 0x1f10b: 0, 0x1f10c: 0,
}

// compatSeparatorsToday is every character compatSeparator reads as a
// compatibility form of a separator (some are separators on their own
// account too: the spaces, the non-breaking hyphen, the small and
// full-width hyphen-minus).
var compatSeparatorsToday = []rune{
	0x00a8, 0x00af, 0x00b4, 0x00b8, 0x02d8, 0x02d9, 0x02da, 0x02db,
	0x02dc, 0x02dd, 0x037a, 0x0384, 0x0385, 0x0387, 0x1fbd, 0x1fbf,
	0x1fc0, 0x1fc1, 0x1fcd, 0x1fce, 0x1fcf, 0x1fdd, 0x1fde, 0x1fdf,
	0x1fed, 0x1fee, 0x1ffd, 0x1ffe, 0x2000, 0x2001, 0x2002, 0x2003,
	0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2011,
	0x2017, 0x2024, 0x202f, 0x203e, 0x205f, 0x207b, 0x208b, 0x3000,
	0x309b, 0x309c, 0xfc5e, 0xfc5f, 0xfc60, 0xfc61, 0xfc62, 0xfc63,
	0xfe12, 0xfe31, 0xfe32, 0xfe33, 0xfe34, 0xfe49, 0xfe4a, 0xfe4b,
	0xfe4c, 0xfe4d, 0xfe4e, 0xfe4f, 0xfe52, 0xfe58, 0xfe63, 0xfe70,
	0xfe72, 0xfe74, 0xfe76, 0xfe78, 0xfe7a, 0xfe7c, 0xfe7e, 0xff0d,
	0xff0e, 0xff0f, 0xff3f, 0xff61, 0xff65, 0xff70, 0xffe3,
}

// TestCardTablesReadWhatREADMENames holds the characters README names
// (README, Security: "in any script's digits (and their superscript,
// subscript, circled and parenthesized forms: `¹`, `₁`, `①`, `⑴`, and the
// circled `❶`, `➀`, `➊`, `⓵` Unicode gives no decomposition)"; README's
// Decisions: "a compatibility form of any of these, such as the small
// full stop `﹒`, the half-width `｡` `ｰ` `･` or the double low line `‗`")
// to what the rule reads, and every code point to the two classes the
// rule takes from the normalisation tables, as they are today.
func TestCardTablesReadWhatREADMENames(t *testing.T) {
	for _, tt := range []struct {
		r     rune
		value int // -1: a separator
	}{
		{'¹', 1}, {'₁', 1}, {'①', 1}, {'⑴', 1}, {'❶', 1}, {'➀', 1}, {'➊', 1}, {'⓵', 1},
		{'４', 4}, {'٤', 4}, {'४', 4},
		{'﹒', -1}, {'｡', -1}, {'ｰ', -1}, {'･', -1}, {'‗', -1},
		{'。', -1}, {'ー', -1}, {'・', -1}, {'⁓', -1}, {'\u00a0', -1}, {'\u2028', -1}, {'\u2029', -1},
		{'\u001c', -1}, {'\u001f', -1}, {'\u007f', -1}, {'\u0085', -1}, {'\u009f', -1},
	} {
		v, digit := digitValue(tt.r)
		if tt.value >= 0 {
			if got, want := int(v), tt.value; !digit || got != want {
				t.Errorf("digitValue(%U) = %v, %v; want %v, true", tt.r, got, digit, want)
			}
			s := strings.Repeat(string(tt.r), 16) // 1111111111111111 or 4444444444444444: no card number
			card := string(tt.r) + "111 1111 1111 1111"
			if tt.value != 4 {
				card = "4111 1111 1111 111" + string(tt.r) // 4111111111111111
			}
			if got, want := HoldsCardNumber(card), true; got != want {
				t.Errorf("HoldsCardNumber(%q) = %v; want %v", card, got, want)
			}
			if got, want := HoldsCardNumber(s), false; got != want {
				t.Errorf("HoldsCardNumber(%q) = %v; want %v", s, got, want)
			}
			continue
		}
		if digit {
			t.Errorf("digitValue(%U) = %v, true; want no digit", tt.r, v)
		}
		if got, want := isCardSeparator(tt.r), true; got != want {
			t.Errorf("isCardSeparator(%U) = %v; want %v", tt.r, got, want)
		}
		card := strings.Join([]string{"4111", "1111", "1111", "1111"}, string(tt.r))
		if got, want := LooksLikeCardNumber(card), true; got != want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", card, got, want)
		}
	}

	digits := map[rune]byte{}
	var seps []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if v, ok := digitValue(r); ok && !unicode.Is(unicode.Nd, r) {
			digits[r] = v
		}
		if compatSeparator(r) {
			seps = append(seps, r)
		}
	}
	for r, v := range digits {
		if want, ok := compatDigitsToday[r]; !ok || want != v {
			t.Errorf("digitValue(%U) = %d, true; the tables of today: %d, %v (re-read README's list of digits)", r, v, want, ok)
		}
	}
	for r, want := range compatDigitsToday {
		if v, ok := digits[r]; !ok {
			t.Errorf("digitValue(%U) = %d, false; the tables of today: %d, true (re-read README's list of digits)", r, v, want)
		}
	}
	if got, want := string(seps), string(compatSeparatorsToday); got != want {
		t.Errorf("compatibility forms of a separator: got %+q; want %+q (re-read README's list of separators)", got, want)
	}
	// README: "Go 1.26's tables are Unicode 15.0, so digits first assigned
	// later (Unicode 16's outlined digits, U+1CCF0 on) are not read as
	// digits until a Go release with newer tables builds it".
	if got, want := unicode.Version, "15.0.0"; got != want {
		t.Errorf("Go's Unicode tables: got %s; want %s (re-read README's sentence on which digits are read)", got, want)
	}
	if got, want := HoldsCardNumber("𜳴𜳱𜳱𜳱 𜳱𜳱𜳱𜳱 𜳱𜳱𜳱𜳱 𜳱𜳱𜳱𜳱"), false; got != want {
		t.Errorf("HoldsCardNumber(4111… in outlined digits) = %v; want %v (re-read README's sentence on which digits are read)", got, want)
	}
}
