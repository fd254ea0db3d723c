package session

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"

	"github.com/paysessions/paysessions/shared/racemode"
)

func TestLooksLikeCardNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true},
		{"4111 1111 1111 1111", true},
		{"4111-1111-1111-1111", true},
		{"card: 4111 1111 1111 1111, thanks", true},
		{"x4111111111111111y", true},
		{"5555555555554444", true},      // Mastercard
		{"2223003122003222", true},      // Mastercard 2-series
		{"378282246310005", true},       // Amex
		{"3782 822463 10005", true},     // Amex, grouped 4-6-5
		{"6011111111111117", true},      // Discover
		{"3530111333300000", true},      // JCB
		{"36227206271667", true},        // Diners 14
		{"6200000000000005", true},      // UnionPay
		{"4222222222222", true},         // Visa 13
		{"4111111111111112", false},     // fails Luhn
		{"411111******1111", false},     // masked
		{"4111 1111 1111", false},       // too short for Visa
		{"41111111111111111111", false}, // 20 digits: a reference, not a card
		{"1234567890123452", false},     // Luhn-valid, no network prefix 1
		{"", false},
		{"0123456789098760", false}, // document 000's MerchantReferenceCode
		{"5193857291616388004008", false},
		// Each range's edges (rows a mutant of cardRanges lived without).
		{"2720000000000005", true},  // Mastercard 2-series, its last prefix
		{"2721000000000004", false}, // past it: no network's
		{"30500000000003", true},    // Diners 14, its last 30x prefix
		{"30600000000001", false},   // past it
		{"9792000000000003", true},  // Troy, the one range no other covers
		// The other ranges' edges, shortest and longest, where no other
		// range covers them ("a 13-19-digit Luhn-valid number with a
		// network's prefix", README): rows a mutant of each bound lived
		// without.
		{"4000000000000000006", true}, // Visa, 19 digits
		{"5100000000000008", true},    // Mastercard, its first prefix
		{"2221000000000009", true},    // Mastercard 2-series, its first prefix
		{"2220000000000000", false},   // before it: no network's
		{"340000000000009", true},     // American Express 34
		{"330000000000001", false},    // before it: no network's
		{"30000000000004", true},      // Diners 300, its shortest
		{"3050000000000000002", true}, // Diners 305, its longest
		{"30950000000000", true},      // Diners 3095, its shortest
		{"3095000000000000007", true}, // Diners 3095, its longest
		{"30940000000001", false},     // before it: no network's
		{"30960000000009", false},     // past it: no network's
		{"3600000000000000004", true}, // Diners 36, its longest
		{"38000000000006", true},      // Diners 38, its first prefix
		{"3900000000000000008", true}, // Diners 39, its last prefix, longest
		{"3528000000000007", true},    // JCB, its first prefix
		{"3527000000000008", false},   // before it: no network's
		{"3589000000000000009", true}, // JCB, its last prefix, longest
		{"3590000000000000", false},   // past it: no network's
		{"5000000000005", true},       // Maestro 50, its shortest
		{"5000000000000000005", true}, // Maestro 50, its longest
		{"5600000000002", true},       // Maestro 5x/6x, its first prefix, shortest
		{"5500000000004", false},      // before it: Mastercard, 16 digits only
		{"6900000000000000005", true}, // Maestro 5x/6x, its last prefix, longest
		{"7000000000003", false},      // past it: no network's
		{"2200000000000004", true},    // Mir, its first prefix
		{"2204000000000000006", true}, // Mir, its last prefix, longest
		{"2205000000000009", false},   // past it: no network's
		{"8100000000000002", true},    // RuPay 81
		{"8200000000000001", true},    // RuPay 82
		{"8000000000000003", false},   // before it: no network's
		{"8300000000000000", false},   // past it: no network's
		{"81000000000000000", false},  // RuPay 81 is 16 digits only
		// A group longer than 19 digits is in no window, and no window
		// reaches past it (README: "every window of consecutive *whole*
		// groups with 13 to 19 digits is judged" and "A window never cuts
		// a group, so the digits inside a longer block are never judged"):
		// 4111111 and 111111111 read as one window would be
		// 4111111111111111. Mutants that kept the groups before the long
		// one, or one of an earlier run, lived without these rows.
		{"4111111 12345678901234567890 111111111", false},
		{"4111111 x 12345678901234567890 111111111", false},
		// A phone number: '+', or its full-width form, right before at
		// most 15 digits.
		{"+4222222222222", false},
		{"\uff0b4222222222222", false},
	}
	for _, tt := range tests {
		if got := LooksLikeCardNumber(tt.in); got != tt.want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestCardNumbersInWrittenForms: the forms issue 11 found passing the
// guard ("with an expiry, with a CVV, -2028 appended, separated by dots,
// slashes, underscores, double or no-break spaces, in full-width or
// Arabic-Indic digits; an Idempotency-Key of 4111.1111.1111.1111").
func TestCardNumbersInWrittenForms(t *testing.T) {
	for _, in := range []string{
		"4111 1111 1111 1111 12/28",          // with an expiry
		"4111 1111 1111 1111 123",            // with a CVV
		"4111 1111 1111 1111 12/28 123",      // both
		"4111111111111111-2028",              // a year appended
		"4111-1111-1111-1111-2028",           // a year appended to the groups
		"4111.1111.1111.1111",                // dots (an Idempotency-Key)
		"4111/1111/1111/1111",                // slashes
		"4111_1111_1111_1111",                // underscores
		"4111  1111  1111  1111",             // double spaces
		"4111 - 1111 - 1111 - 1111",          // spaced dashes
		"4111\u00a01111\u00a01111\u00a01111", // no-break spaces
		"4111\u202f1111\u202f1111\u202f1111", // narrow no-break spaces
		"4111\u20131111\u20131111\u20131111", // en dashes
		"4111\u200b1111\u200b1111\u200b1111", // zero-width spaces
		// White space that is no space character (category Zs): line
		// breaks and tabs, as a number pasted from a form over several
		// lines, or typed with tab stops, arrives. A free-form object
		// (provider) may hold them; any string may hold U+2028/U+2029.
		"4111\t1111\t1111\t1111",             // tabs
		"4111\n1111\n1111\n1111",             // line feeds
		"4111\r\n1111\r\n1111\r\n1111",       // CRLF
		"4111\v1111\f1111\u00851111",         // vertical tab, form feed, NEL
		"4111\u20281111\u20281111\u20281111", // line separators (category Zl)
		"4111\u20291111\u20291111\u20291111", // paragraph separators (category Zp)
		// Control characters that are no white space (category Cc): as
		// invisible as a zero-width space, and the ASCII information
		// separators FS GS RS US (U+001C-U+001F) are field separators in
		// payment messages. A free-form object (provider) may hold them.
		"4111\x011111\x011111\x011111",             // SOH
		"4111\x1f1111\x1e1111\x1d1111",             // US, RS, GS
		"4111\x1c\x1c\x1c\x1c1111\x1c1111\x1c1111", // four FS count for none
		"4111\x7f1111\x7f1111\x7f1111",             // DEL
		"4111\u00801111\u009f1111\u00911111",       // C1 controls
		// Separators counted as a reader sees them: invisible ones
		// (category Cf) count for none, so four zero-width spaces, soft
		// hyphens or word joiners between groups (shown 4111111111111111)
		// do not end the run; a CR LF line break counts once, so a number
		// over lines with a blank line between each group is one.
		"4111\u200b\u200b\u200b\u200b1111\u200b\u200b\u200b\u200b1111\u200b\u200b\u200b\u200b1111",
		"4111\u00ad\u00ad\u00ad\u00ad1111\u00ad\u00ad\u00ad\u00ad1111\u00ad\u00ad\u00ad\u00ad1111",
		"4111 \u2060\u2060 1111 \u2060\u2060 1111 \u2060\u2060 1111",
		"4111\ufeff\u200c\u200d\u200e\u200f1111\u202a\u202c\u2066\u2069\u20641111\u180e\u061c\u206a\u206f1111",
		"4111\r\n\r\n1111\r\n\r\n1111\r\n\r\n1111",
		"4111\r\n\r\n\r\n1111\r\n1111\r\n1111",
		// An invisible separator between the CR and the LF of a line
		// break is read as not there, as a combining grapheme joiner is:
		// the CR LF still counts once, and the number over lines with a
		// blank line between groups is still one.
		"4111\r\x01\n\r\x01\n1111\r\x01\n\r\x01\n1111\r\x01\n\r\x01\n1111",
		"4111\r\u200b\n\r\u200b\n1111\r\u200b\n\r\u200b\n1111\r\u200b\n\r\u200b\n1111",
		"4111\r\x1c\u2060\x7f\n\r\x1c\u2060\x7f\n1111\r\n\r\n1111\r\n\r\n1111",
		"４１１１ １１１１ １１１１ １１１１",                // full-width digits
		"４１１１－１１１１－１１１１－１１１１",                // full-width digits and hyphens
		"٤١١١١١١١١١١١١١١١",                   // Arabic-Indic digits
		"۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱",                // Extended Arabic-Indic digits
		"४१११ ११११ ११११११ ११",                // Devanagari digits, odd grouping
		"4111 １１１１ ١١١١ 1111",                // mixed scripts
		"card 5555 5555 5555 4444 exp 12/28", // Mastercard with an expiry
		"Ref 2026 4111 1111 1111 1111",       // not at the start of its run
		"378282246310005 12/28",              // Amex with an expiry
		"+4111 1111 1111 1111",               // '+' but 16 digits: no phone number
		"pan=4111111111111111&exp=1228",      // in a query string
		// Next to a UUID, a card number is still one.
		"41234568-1234-4123-8123-123456789012 4111 1111 1111 1111",
		// Marks a reader does not see as characters of their own: a
		// combining mark or a variation selector shows as part of the
		// digit it follows, so the number is read as if they were not
		// there.
		"4\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3 1\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3 1\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3 1\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3", // keycap digits
		"4\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u03321\u0332",                                                                                                    // underlined by a combining low line
		"4\u034f111\u034f1111\u034f1111\u034f1111",       // combining grapheme joiners, invisible
		"4111\ufe0e1111\ufe0e1111\ufe0e1111",             // text-style variation selectors
		"4111 \u03011111 1111 1111",                      // a mark on a separator
		"4111\U000e01001111\U000e01001111\U000e01001111", // ideographic variation selectors
		// Digits that are no decimal digits (category No) but normalise
		// (NFKC) to one: circled, superscript, subscript.
		"④①①① ①①①① ①①①① ①①①①",
		"⁴¹¹¹ ¹¹¹¹ ¹¹¹¹ ¹¹¹¹",
		"₄₁₁₁₁₁₁₁₁₁₁₁₁₁₁₁",
		"4111 ①①①① 1111 ¹¹¹¹", // mixed
		// Circled digits Unicode gives no decomposition (NFKC leaves
		// them as they are): a reader sees the number all the same.
		"❹❶❶❶ ❶❶❶❶ ❶❶❶❶ ❶❶❶❶", // dingbat negative circled
		"➃➀➀➀➀➀➀➀➀➀➀➀➀➀➀➀",    // dingbat circled sans-serif
		"➍➊➊➊-➊➊➊➊-➊➊➊➊-➊➊➊➊", // dingbat negative circled sans-serif
		"⓸⓵⓵⓵ ⓵⓵⓵⓵ ⓵⓵⓵⓵ ⓵⓵⓵⓵", // double circled
		"❻⓿❶❶⓿⓿⓿❾❾⓿❶❸❾❹❷❹",    // 6011000990139424, negative circled zero
		"➅🄋➀➀🄋🄋🄋➈➈🄋➀➂➈➃➁➃",    // the same, dingbat circled sans-serif zero
		"➏🄌➊➊🄌🄌🄌➒➒🄌➊➌➒➍➋➍",    // the same, dingbat negative circled sans-serif zero
		"4111 ❶❶❶❶ ➀➀➀➀ ⓵⓵⓵⓵", // mixed
		// Parenthesized digits (⑴-⑼) decompose to "(1)"-"(9)", whose
		// parentheses end runs, so neither reading saw the number a
		// reader sees (README, Security: "in any script's digits (and
		// their superscript, subscript, circled and parenthesized forms").
		"⑷⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴",
		"⑷⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴ ⑴⑴⑴⑴",
		"⑹0⑴⑴000⑼⑼0⑴⑶⑼⑷⑵⑷", // 6011000990139424: no parenthesized zero
		// The dots, dash, slashes and blank a reader or an input method
		// puts between digit groups (lookalikeSeparator; Unicode's Dash
		// and Hyphen): a Japanese input method writes '.' as 。, '-' as ー
		// and '/' as ・, in full-width or half-width forms.
		"4111\u30021111\u30021111\u30021111", // ideographic full stops
		"４１１１。１１１１。１１１１。１１１１",                // as a Japanese input method writes 4111.1111.1111.1111
		"4111\uff611111\uff611111\uff611111", // half-width ideographic full stops (NFKC 。)
		"4111\ufe121111\ufe121111\ufe121111", // vertical ideographic full stops (NFKC 。)
		"４１１１ー１１１１ー１１１１ー１１１１",                // prolonged sound marks, for '-'
		"4111\uff701111\uff701111\uff701111", // half-width prolonged sound marks (NFKC ー)
		"４１１１・１１１１・１１１１・１１１１",                // katakana middle dots, for '/'
		"4111\uff651111\uff651111\uff651111", // half-width katakana middle dots (NFKC ・)
		"4111\u00b71111\u00b71111\u00b71111", // middle dots
		"4111\u03871111\u03871111\u03871111", // Greek ano teleia (NFKC ·)
		"4111\u20271111\u20271111\u20271111", // hyphenation points
		"4111\u22191111\u22191111\u22191111", // bullet operators
		"4111\u22c51111\u22c51111\u22c51111", // dot operators
		"4111\u2e311111\u2e311111\u2e311111", // word separator middle dots
		"4111\u20531111\u20531111\u20531111", // swung dashes (Dash)
		"4111\u20441111\u20441111\u20441111", // fraction slashes
		"4111\u22151111\u22151111\u22151111", // division slashes
		"4111\u29f81111\u29f81111\u29f81111", // big solidi
		"4111\u28001111\u28001111\u28001111", // braille pattern blanks, shown as spaces
		"5555。5555。5555。4444 12／28",          // Mastercard, with an expiry
		"4111 。 1111 ・ 1111 ー 1111",          // spaced: three separators a gap
		"4111・・・1111ーーー1111。。。1111",          // three of them a gap
	} {
		if !LooksLikeCardNumber(in) {
			t.Errorf("LooksLikeCardNumber(%q) = false; want true", in)
		}
	}
}

// TestIdentifiersAreNotCardNumbers: "Ordinary identifiers must still pass:
// 20220211-0013-0000-0382 (document 001's transactionId),
// ORD-2026-11-29-000123, phone numbers, invoice numbers, UUIDs, ISO
// timestamps."
func TestIdentifiersAreNotCardNumbers(t *testing.T) {
	for _, in := range []string{
		"20220211-0013-0000-0382", // 001's transactionId; its window 2022021100130000 is Luhn-valid, 2022 no network's prefix
		"ORD-2026-11-29-000123",
		"INV-2026-000123",
		"2026/11/000456",
		"invoice 4500012345",
		"+49 1512 3456787",  // a German mobile: 13 digits, Luhn-valid, Visa's prefix: a phone number by its '+'
		"+62 812 3456 7808", // an Indonesian mobile: 13 digits, Luhn-valid, Maestro's prefix
		"+44 20 7946 0958",  // UK
		"+1 (555) 010-0199", // US
		"0049 1512 3456787", // the German mobile with 00
		"+86 138 0013 8000", // China
		"c97f86c0-4586-4ba6-adc7-e0072f7f1601",
		"7d1541fa-5747-429a-a6a0-1939f4d88028",
		"82780a00-15dd-4ca1-add6-38a56838a9e5",
		// A random UUID whose first three groups are all digits and read
		// 8-4-4 as a Luhn-valid Visa number (about one UUID in 50,000):
		// a UUID is an identifier, alone or inside a longer id.
		"41234568-1234-4123-8123-123456789012",
		"evt-41234568-1234-4123-8123-123456789012-0",
		"41234568-1234-4123-8123-123456789012/1",
		"2022-02-11T04:51:50.5803212+00:00",
		"2026-11-23T09:48:06.5802588Z",
		"2018-02-23T09:27:37.561413Z",
		"2024-09-29T10:00:00Z",
		"411111******1111",
		"4111 11** **** 1111",
		"41111111111111111111",                                             // 20 digits
		"5193857291616388004008",                                           // document 000's long reference
		"0123456789098760",                                                 // document 000's MerchantReferenceCode
		"192.168.100.200",                                                  // an IP address
		"4111    1111    1111    1111",                                     // four spaces: no longer one run
		"4111\n\n\n\n1111\n\n\n\n1111\n\n\n\n1111",                         // four line feeds
		"4111\r\n\r\n\r\n\r\n1111\r\n\r\n\r\n\r\n1111\r\n\r\n\r\n\r\n1111", // four CR LF line breaks
		"4111\r\r\r\r1111\r\r\r\r1111\r\r\r\r1111",                         // four carriage returns
		"4111 \u200b \u200b \u200b 1111 \u200b \u200b \u200b 1111 \u200b \u200b \u200b 1111", // four visible spaces between
		// The dots, dash, slashes and blank a reader or an input method
		// puts between digit groups end nothing they did not: short runs,
		// dates, a phone number after '+', a UUID beside them, four of
		// them in a row.
		"第1。第2。第3。",
		"第1。第2。第3。第4。第5。第6。第7。第8。第9。第10。第11。第12。第13。", // numbered items: each group a run of its own
		"2026。12。31",
		"2026・12・31 ORD・2026・11・29・000123",
		"090ー1234ー5678",                                  // a Japanese mobile: 11 digits
		"+49・1512・3456787",                               // the German mobile: a phone number by its '+'
		"+49ー1512ー3456787",                               // the same with prolonged sound marks
		"+49\u28001512\u28003456787",                     // and braille blanks
		"41234568-1234-4123-8123-123456789012。1111",      // a UUID, then a full stop
		"1111・41234568-1234-4123-8123-123456789012ー1111", // a UUID between a middle dot and a sound mark
		"41234568-1234-4123-8123-123456789012\u2044" + "41234568-1234-4123-8123-123456789012",
		"4111。。。。1111。。。。1111。。。。1111", // four of them: no longer one run
		"4111ーーーー1111ーーーー1111ーーーー1111",
		"4111\u2800\u2800\u2800\u28001111\u2800\u2800\u2800\u28001111\u2800\u2800\u2800\u28001111",
		"4111 ・ \u00b7 1111 ・ \u00b7 1111 ・ \u00b7 1111", // four between: spaces count
		"½ ¼ ⅓", // vulgar fractions: NFKC 1⁄2, one digit each side of a slash
	} {
		if LooksLikeCardNumber(in) {
			t.Errorf("LooksLikeCardNumber(%q) = true; want false", in)
		}
	}
}

// TestUUIDsAreIdentifiers: UUIDs made only of digits, alone, inside ids
// and touching other characters, agree with the reference, and a UUID no
// letter or digit touches is never a card number.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestUUIDsAreIdentifiers(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	rng := rand.New(rand.NewPCG(7, 11))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	around := []string{"", "", "evt-", "-0", "/", " ", "x", "1", "4111 1111 1111 1111 ",
		"\u0661", "\u0967\u0332", "4\ufe0f\u20e3", "\u0332", "\u00e9"} // digits of other scripts, marks, a letter outside ASCII
	for i := 0; i < 20000; i++ {
		u := digits(8) + "-" + digits(4) + "-4" + digits(3) + "-8" + digits(3) + "-" + digits(12)
		if LooksLikeCardNumber(u) {
			t.Fatalf("LooksLikeCardNumber(%q) = true; a UUID is an identifier", u)
		}
		checkAgainstReference(t, around[rng.IntN(len(around))]+u+around[rng.IntN(len(around))])
	}
}

// TestDigitValue: every Unicode decimal digit is read as its value. The
// reading relies on Unicode's promise that decimal digits come in sets of
// ten consecutive code points from zero; this holds Go's tables to it.
func TestDigitValue(t *testing.T) {
	n := 0
	for _, r16 := range unicode.Nd.R16 {
		if r16.Stride != 1 || (r16.Hi-r16.Lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d: want whole sets of ten", r16.Lo, r16.Hi, r16.Stride)
		}
		n++
	}
	for _, r32 := range unicode.Nd.R32 {
		if r32.Stride != 1 || (r32.Hi-r32.Lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U stride %d: want whole sets of ten", r32.Lo, r32.Hi, r32.Stride)
		}
		n++
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		v, ok := digitValue(r)
		if ok != refIsDigit(r) {
			t.Fatalf("digitValue(%U) ok = %v; want %v", r, ok, refIsDigit(r))
		}
		if ok && int(v) != refDigit(r) {
			t.Fatalf("digitValue(%U) = %d; want %d", r, v, refDigit(r))
		}
	}
	// Compatibility forms (superscript, subscript, circled) are digits.
	for _, tt := range []struct {
		r rune
		v byte
	}{{'\u00b9', 1}, {'\u00b2', 2}, {'\u2074', 4}, {'\u2080', 0}, {'\u2089', 9}, {'\u2460', 1}, {'\u2463', 4}, {'\u24ea', 0}} {
		if v, ok := digitValue(tt.r); !ok || v != tt.v {
			t.Errorf("digitValue(%U) = %d, %v; want %d, true", tt.r, v, ok, tt.v)
		}
	}
	// Circled digits with no decomposition are digits too.
	for _, tt := range []struct {
		r rune
		v byte
	}{{'\u2776', 1}, {'\u277e', 9}, {'\u2780', 1}, {'\u2783', 4}, {'\u278a', 1}, {'\u2792', 9}, {'\u24f5', 1}, {'\u24fd', 9}, {'\u24ff', 0}, {'\U0001f10b', 0}, {'\U0001f10c', 0}, {'\u2474', 1}, {'\u2477', 4}, {'\u247c', 9}} {
		if v, ok := digitValue(tt.r); !ok || v != tt.v {
			t.Errorf("digitValue(%U) = %d, %v; want %d, true", tt.r, v, ok, tt.v)
		}
	}
	for _, r := range []rune{'\u247d', '\u2488', '\u2469', '\u00bd', '\u277f', '\u2789', '\u2793', '\u24fe', '\u3280'} { // (10), 1., 10, 1/2, ❿, ➉, ➓, ⓾, circled ideograph one
		if v, ok := digitValue(r); ok {
			t.Errorf("digitValue(%U) = %d, true; want not a digit", r, v)
		}
	}
	for _, zero := range []rune{'0', '\uff10', '\u0660', '\u06f0', '\u0966', '\u09e6', '\u0e50', '\U0001d7ce'} {
		for k := rune(0); k < 10; k++ {
			if v, _ := digitValue(zero + k); rune(v) != k {
				t.Errorf("digitValue(%U) = %d; want %d", zero+k, v, k)
			}
		}
	}
}

func TestNumberLooksLikeCardNumber(t *testing.T) {
	tests := []struct {
		lit  string
		want bool
	}{
		{"4111111111111111", true},
		{"-4111111111111111", true},
		{"4.111111111111111e15", true},
		{"4.111111111111111E+15", true},
		{"41111111111111110e-1", true},
		{"411111111111111100E-2", true},
		{"4111111111111111.0", true},
		{"4111111111111111.000", true},
		{"0.4111111111111111e16", true},
		{"0.0000000004111111111111111e25", true},
		{"4111111111111111.5", true},        // the card number is still written out
		{"4111111111111110.99999999", true}, // a float64 reader takes it for 4111111111111111
		{"41111111111111109999999e-7", true},
		// Exact values no float64 holds, written out: 19-digit Visa and
		// Discover numbers (the float64 is 4111111111111111000 and
		// 6011000000000000000), and a Troy number above 2^53.
		{"41111111111111111100e-1", true},
		{"60110000000000000010e-1", true},
		{"97920000000000030e-1", true},
		{"0.4111111111111111", true},
		// README: "JSON numbers are judged as written, as their exact
		// value in plain decimal and as the float64 a reader takes them
		// for": neither this literal nor its plain decimal holds a card
		// number, but its float64, 0.4111111111111111, written out does
		// (a mutant writing the float64 with no digits after the point,
		// as "0", lived without this row).
		{"0.41111111111111109999999", true},
		{"4111111111111112", false},
		{"4.111111111111112e15", false},
		{"1e15", false},
		{"-0", false},
		{"-0.0e5", false},
		{"0", false},
		{"8800", false},
		{"1.0834", false},
		{"1e308", false},
	}
	for _, tt := range tests {
		if got := NumberLooksLikeCardNumber(tt.lit); got != tt.want {
			t.Errorf("NumberLooksLikeCardNumber(%s) = %v; want %v (plain %s)", tt.lit, got, tt.want, plainDecimal(tt.lit))
		}
	}
}

func TestPlainDecimal(t *testing.T) {
	tests := []struct{ lit, want string }{
		{"0", "0"}, {"-0", "0"}, {"-0.0e5", "0"}, {"0e99999999999999999999", "0"},
		{"12", "12"}, {"-12", "12"}, {"1.50", "1.5"}, {"1.50e1", "15"}, {"1.50e2", "150"},
		{"15e-1", "1.5"}, {"15e-3", "0.015"}, {"0.000123", "0.000123"}, {"1E+2", "100"},
		{"4.111111111111111e15", "4111111111111111"}, {"100e-2", "1"}, {"007", "7"},
		// A value below 1 keeps its "0" before the point: JSON numbers
		// are judged (README: "as their exact value in plain decimal"),
		// and plainDecimal writes "no leading zeros but one before the
		// point" (a mutant writing ".5" lived without these rows).
		{"0.5", "0.5"}, {"5e-1", "0.5"}, {"0.4111111111111111e0", "0.4111111111111111"},
		{"1e999999", "1e999999"}, {"1e-999999", "1e-999999"},
		// An exponent past int64 (2^64+1) is not read (it would wrap to 1).
		{"41111111111111110e-18446744073709551617", "41111111111111110e-18446744073709551617"},
		// "A literal with a byte no JSON number holds is returned as it
		// is"; text with no digit before its exponent "reads "0"" (r85-card:
		// the comment said every literal that is no JSON number was
		// returned as it is).
		{"0x41", "0x41"}, {"-41.1x", "-41.1x"}, {"4111e1x", "4111e1x"},
		{"", "0"}, {"-", "0"}, {".", "0"}, {"e5", "0"}, {"-e5", "0"},
	}
	for _, tt := range tests {
		if got := plainDecimal(tt.lit); got != tt.want {
			t.Errorf("plainDecimal(%s) = %s; want %s", tt.lit, got, tt.want)
		}
	}
	// Every spelling of a float64 names its value.
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		f := r.NormFloat64() * float64(r.Int64N(1e12))
		for _, format := range []byte{'e', 'E', 'f', 'g'} {
			lit := strconv.FormatFloat(f, format, -1, 64)
			lit = strings.TrimPrefix(lit, "+")
			want, _ := strconv.ParseFloat(lit, 64)
			got, err := strconv.ParseFloat(plainDecimal(lit), 64)
			if err != nil || got != abs(want) {
				t.Fatalf("plainDecimal(%s) = %s; want the value %v", lit, plainDecimal(lit), abs(want))
			}
		}
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestScanJSONFindsNestedCardNumbers(t *testing.T) {
	tests := []struct {
		raw    string
		reason string // "" when accepted
		field  string
	}{
		{`{"a":"b","n":[1,2,{"c":"d"}]}`, "", ""},
		{`{"pan":"4111111111111111"}`, ReasonCardNumber, "provider.pan"},
		{`{"pan":"4111.1111.1111.1111"}`, ReasonCardNumber, "provider.pan"},
		{`{"pan":"\u0034111111111111111"}`, ReasonCardNumber, "provider.pan"},
		{`{"n":[1,{"x":4111111111111111}]}`, ReasonCardNumber, "provider.n[1].x"},
		{`{"n":[1,{"x":4.111111111111111e15}]}`, ReasonCardNumber, "provider.n[1].x"},
		{`{"x":41111111111111110e-1}`, ReasonCardNumber, "provider.x"},
		{`{"x":4111111111111111.0}`, ReasonCardNumber, "provider.x"},
		{`{"4111111111111111":"key"}`, ReasonCardNumber, "provider"},
		{`{"a":{"4111 1111 1111 1111":1}}`, ReasonCardNumber, "provider.a"},
		{`{"4111":{"1111":{"1111":{"1111":"4111111111111111"}}}}`, ReasonCardNumber, "provider.4111.1111.1111"}, // the full path would spell the number
		{`{"masked":"411111******1111"}`, "", ""},
		// A string is judged as HoldsCardNumber judges text, not only as
		// written (r92-mutate J13: LooksLikeCardNumber here passed every
		// test): URL-encoded, and a JSON text held in a string.
		{`{"q":"4111%201111%201111%201111"}`, ReasonCardNumber, "provider.q"},
		{`{"raw":"{\"pan\":\"\\u0034111111111111111\"}"}`, ReasonCardNumber, "provider.raw"},
		{`{"pan":"4111111111111111","pan":"ok"}`, ReasonCardNumber, "provider.pan"}, // judged as read
		{`{"pan":"ok","pan":"4111111111111111"}`, ReasonMalformedJSON, "provider.pan"},
		{`{"a":{"b":1,"b":2}}`, ReasonMalformedJSON, "provider.a.b"},
		{`{"a":[{"b":1},{"b":1,"b":1}]}`, ReasonMalformedJSON, "provider.a[1].b"},
		{`{"a":"\u0000"}`, ReasonMalformedJSON, "provider.a"},
		{`{"a\u0000":1}`, ReasonMalformedJSON, "provider"},
		{`{"a":"\ud800"}`, ReasonMalformedJSON, "provider.a"},
		{`{"a":"\udc00\ud800"}`, ReasonMalformedJSON, "provider.a"},
		{`{"a":1e999999}`, ReasonMalformedJSON, "provider.a"},
		{`{"a":-1e999999}`, ReasonMalformedJSON, "provider.a"},
		{`{"a":1e-999999}`, ReasonMalformedJSON, "provider.a"},
		{`{"a":0e999999}`, "", ""},
		{`{"a":"\ud83d\ude00"}`, "", ""}, // a surrogate pair is fine
		{`{"a":1}{"b":2}`, ReasonMalformedJSON, "provider"},
		{`{"a":`, ReasonMalformedJSON, "provider.a"},
		{strings.Repeat(`{"a":`, 32) + "1" + strings.Repeat("}", 32), "", ""},
		{strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33), ReasonMalformedJSON, "provider" + strings.Repeat(".a", 32)},
	}
	for _, tt := range tests {
		_, err := scanJSON("provider", []byte(tt.raw), onInput)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("scanJSON(%s) = %v; want nil", tt.raw, err)
			}
			continue
		}
		if ErrorReason(err) != tt.reason || ErrorField(err) != tt.field {
			t.Errorf("scanJSON(%s) = %v (field %q); want %s on %s", tt.raw, err, ErrorField(err), tt.reason, tt.field)
		}
		if LooksLikeCardNumber(ErrorMessage(err)) || strings.Contains(ErrorMessage(err), "4111111111111111") {
			t.Errorf("scanJSON(%s) message %q echoes the value", tt.raw, ErrorMessage(err))
		}
	}
}

// TestValidateStoresWhatItChecked: the free-form objects are replaced by the
// re-encoding of the tokens the guard judged; escapes are written out,
// whitespace dropped, member order and number literals kept.
func TestValidateStoresWhatItChecked(t *testing.T) {
	amount := int64(1)
	d := Draft{Amount: &amount, Currency: "EUR",
		Provider:             json.RawMessage(" {\"b\" : \"x\\u0041\\/\" ,\n \"a\":[ 1.50, -0, 1E+2 ], \"c\":\"\\u00e9<>\"} "),
		Appearance:           json.RawMessage(`{"theme":"dark"}`),
		PaymentMethodDetails: json.RawMessage(`null`),
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate() = %v; want nil", err)
	}
	if got, want := string(d.Provider), `{"b":"xA/","a":[1.50,-0,1E+2],"c":"é<>"}`; got != want {
		t.Errorf("provider = %s; want %s", got, want)
	}
	if got, want := string(d.Appearance), `{"theme":"dark"}`; got != want {
		t.Errorf("appearance = %s; want %s", got, want)
	}
	if d.PaymentMethodDetails != nil {
		t.Errorf("paymentMethodDetails = %s; want absent", d.PaymentMethodDetails)
	}
	ev := Event{Status: Processing, Provider: json.RawMessage(`{"pan":"ok","pan":"4111111111111111"}`)}
	if err := ev.Validate(); ErrorReason(err) != ReasonMalformedJSON || ErrorField(err) != "provider.pan" {
		t.Errorf("event with a duplicate name: Validate() = %v; want %s on provider.pan", err, ReasonMalformedJSON)
	}
}

// refCompat is the ASCII digit r's compatibility decomposition (NFKD) is,
// or 0.
func refCompat(r rune) byte {
	if !unicode.Is(unicode.No, r) {
		return 0
	}
	if d := norm.NFKD.String(string(r)); len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
		return d[0]
	}
	return 0
}

// refCircled is the value of a circled or parenthesized digit, found by
// its Unicode name (CIRCLED DIGIT ONE, DINGBAT NEGATIVE CIRCLED SANS-SERIF
// DIGIT ZERO, DOUBLE CIRCLED DIGIT NINE, PARENTHESIZED DIGIT FOUR, ...),
// whether or not it has a decomposition, or -1.
func refCircled(r rune) int {
	if !unicode.Is(unicode.No, r) {
		return -1
	}
	name := runenames.Name(r)
	if !strings.Contains(name, "CIRCLED") && !strings.HasPrefix(name, "PARENTHESIZED") {
		return -1
	}
	for v, w := range []string{"ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"} {
		if strings.HasSuffix(name, " DIGIT "+w) {
			return v
		}
	}
	return -1
}

// refIsDigit reports whether the reader sees r as a digit: a decimal digit,
// a compatibility form of one, or a circled digit.
func refIsDigit(r rune) bool { return unicode.IsDigit(r) || refCompat(r) != 0 || refCircled(r) >= 0 }

// refDigit is the value of decimal digit r, found without Go's range
// tables' shape: Unicode encodes each set of ten digits consecutively from
// zero, so r's value is how many decimal digits stand right before it, mod 10.
// A compatibility form's value is its decomposition's.
func refDigit(r rune) int {
	if c := refCompat(r); c != 0 {
		return int(c - '0')
	}
	if v := refCircled(r); v >= 0 {
		return v
	}
	n := 0
	for unicode.IsDigit(r - rune(n) - 1) {
		n++
	}
	return n % 10
}

func refTransparent(r rune) bool {
	return unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) ||
		unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

func refSeparator(r rune) bool {
	if unicode.Is(unicode.White_Space, r) || unicode.Is(unicode.Pd, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) ||
		strings.ContainsRune("./_\u2212\uff0e\uff0f\uff3f", r) {
		return true
	}
	// Unicode's Dash and Hyphen properties (the minus signs, the swung
	// dash, the katakana middle dot), and the dots, dash, slashes and
	// blank a reader or an input method puts between digit groups.
	if unicode.Is(unicode.Dash, r) || unicode.Is(unicode.Hyphen, r) ||
		strings.ContainsRune("。·‧∙⋅⸱⸳᛫ꞏー─━⎯➖˗⁃⁄∕⧸╱\u2800", r) {
		return true
	}
	// A compatibility form of a separator: NFKC makes it one, maybe with
	// marks the rule reads as not there.
	n := []rune(norm.NFKC.String(string(r)))
	if len(n) == 0 || n[0] == r || !refSeparator(n[0]) {
		return false
	}
	for _, m := range n[1:] {
		if !refTransparent(m) {
			return false
		}
	}
	return true
}

// refCard judges a window's digits: a network's prefix and length (the
// table is data), and the Luhn check written the textbook way.
func refCard(digits string) bool {
	if len(digits) < 13 || len(digits) > 19 {
		return false
	}
	network := false
	for _, cr := range cardRanges {
		p, _ := strconv.Atoi(digits[:cr.prefixLen])
		if p >= cr.lo && p <= cr.hi && len(digits) >= cr.minLen && len(digits) <= cr.maxLen {
			network = true
			break
		}
	}
	if !network {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			d = d/10 + d%10
		}
		sum += d
	}
	return sum%10 == 0
}

// refLooksLikeCardNumber is the rule of LooksLikeCardNumber by brute force:
// every substring that starts where a digit group starts and ends where
// one ends, holding only digits and separators with at most 3 separators
// in a row (an invisible one, or the LF of a CR LF, counting for none), is
// a window; the run around it is found by walking out over
// 1-3 separators and digit groups.
func refLooksLikeCardNumber(s string) bool {
	// A canonical UUID with no letter or digit around it is an identifier:
	// it stands as one run-ending character.
	s = refUUID.ReplaceAllStringFunc(s, func(m string) string { return "x" })
	// A mark a reader does not see as a character is not there.
	s = strings.Map(func(r rune) rune {
		if refTransparent(r) {
			return -1
		}
		return r
	}, s)
	rs := []rune(s)
	n := len(rs)
	digit := func(i int) bool { return i >= 0 && i < n && refIsDigit(rs[i]) }
	sep := func(i int) bool { return i >= 0 && i < n && refSeparator(rs[i]) }
	// What a separator counts for: none when a reader does not see it (a
	// format character, a control character that is no white space) or
	// when it is the LF of a CR LF line break, those it does not see
	// between them left out.
	invisible := func(r rune) bool {
		return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r) && !unicode.Is(unicode.White_Space, r)
	}
	cost := func(i int) int {
		if invisible(rs[i]) {
			return 0
		}
		if rs[i] == '\n' {
			j := i - 1
			for j >= 0 && invisible(rs[j]) {
				j--
			}
			if j >= 0 && rs[j] == '\r' {
				return 0
			}
		}
		return 1
	}
	for a := 0; a < n; a++ {
		if !digit(a) || digit(a-1) {
			continue
		}
		for b := a + 1; b <= n; b++ {
			if !digit(b-1) || digit(b) {
				continue
			}
			ok, gap, digits := true, 0, ""
			for i := a; i < b && ok; i++ {
				switch {
				case digit(i):
					digits += strconv.Itoa(refDigit(rs[i]))
					gap = 0
				case sep(i):
					gap += cost(i)
					ok = gap <= 3
				default:
					ok = false
				}
			}
			if !ok || !refCard(digits) {
				continue
			}
			// The run: walk out over 1-3 separators followed by digits.
			start := a
			for {
				j, k := start-1, 0
				for sep(j) {
					k += cost(j)
					j--
				}
				if j == start-1 || k > 3 || !digit(j) {
					break
				}
				for digit(j) {
					j--
				}
				start = j + 1
			}
			end := b
			for {
				j, k := end, 0
				for sep(j) {
					k += cost(j)
					j++
				}
				if j == end || k > 3 || !digit(j) {
					break
				}
				for digit(j) {
					j++
				}
				end = j
			}
			runDigits := 0
			for i := start; i < end; i++ {
				if digit(i) {
					runDigits++
				}
			}
			if start > 0 && (rs[start-1] == '+' || rs[start-1] == '\uff0b') && runDigits <= 15 {
				continue // a phone number
			}
			return true
		}
	}
	return false
}

// refUUID finds canonical UUIDs that no ASCII letter or digit of any kind
// touches (marks a reader does not see passed over).
// (RE2 has no look-around, so the surrounding characters are matched by
// the caller through a second pass below.)
var refUUID = uuidMatcher{}

// uuidMatcher replaces, left to right, every canonical UUID not touched by
// an ASCII letter or a digit.
type uuidMatcher struct{}

var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func (uuidMatcher) ReplaceAllStringFunc(s string, f func(string) string) string {
	alnum := regexp.MustCompile(`^[0-9A-Za-z]$`)
	var b strings.Builder
	for i := 0; i < len(s); {
		loc := uuidRE.FindStringIndex(s[i:])
		if loc == nil {
			b.WriteString(s[i:])
			break
		}
		a, z := i+loc[0], i+loc[1]
		// The character a reader sees next to it, marks passed over: an
		// ASCII letter or a digit of any kind touches it.
		touches := func(rs []rune) bool {
			for _, r := range rs {
				if refTransparent(r) {
					continue
				}
				return alnum.MatchString(string(r)) || r >= utf8.RuneSelf && refIsDigit(r)
			}
			return false
		}
		left := []rune(s[:a])
		slices.Reverse(left)
		before := touches(left)
		after := touches([]rune(s[z:]))
		if before || after {
			// Not this one; a UUID may still start one byte later.
			b.WriteString(s[i : a+1])
			i = a + 1
			continue
		}
		b.WriteString(s[i:a])
		b.WriteString(f(s[a:z]))
		i = z
	}
	return b.String()
}

// cardAlphabet turns fuzz bytes into text made of what the rule looks at:
// digits of several scripts, separators, '+', and characters that end runs.
// A byte's slot (its value modulo 32) picks the kind of character; from 20
// on, a byte under 128 picks from others and one from 128 on from more, so
// that every class of separator the rule names is drawn (before more, a
// rule that dropped '_' or the full-width forms passed this comparison).
// The first eight of each list are separators, which
// TestCardGuardMatchesReference puts between a number's digit groups.
func cardAlphabet(code []byte) string {
	zeros := []rune{'\uff10', '\u0660', '\u0966', '\U0001d7ce'}
	others := []rune{' ', '-', '.', '/', '\r', '\x1f', '\u200b', '\n', '+', 'x', '*', ':'}
	more := []rune{'_', '\u00a0', '\uff3f', '\u3002', '\u2013', '\u00ad', '\uff0f', '\u30fb', '\uff0e', '|', ';', '\u2800'}
	var b strings.Builder
	for _, c := range code {
		switch k := int(c % 32); {
		case k < 10:
			b.WriteRune(rune('0' + k))
		case k < 20:
			b.WriteRune(zeros[int(c/32)%len(zeros)] + rune(k-10))
		case c >= 128:
			b.WriteRune(more[k-20])
		default:
			b.WriteRune(others[k-20])
		}
	}
	return b.String()
}

// checkAgainstReference holds the guard to the reference on s, and the span
// FindCardNumber reports to a card number on its own.
func checkAgainstReference(t *testing.T, s string) bool {
	t.Helper()
	got, want := LooksLikeCardNumber(s), refLooksLikeCardNumber(s)
	if got != want {
		t.Fatalf("LooksLikeCardNumber(%q) = %v; the reference says %v", s, got, want)
	}
	if start, end, ok := FindCardNumber(s); ok && !refLooksLikeCardNumber(s[start:end]) {
		t.Fatalf("FindCardNumber(%q) = %q, which alone is no card number", s, s[start:end])
	}
	return got
}

// TestCardGuardMatchesReference runs the guard and the reference on
// generated text: test card numbers grouped, decorated and surrounded at
// random, and random strings of the rule's alphabet.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestCardGuardMatchesReference(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	r := rand.New(rand.NewPCG(11, 12))
	cards := []string{"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "36227206271667", "4222222222222", "6200000000000005", "2202021100130002"}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	found := 0
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			code := make([]byte, r.IntN(40))
			for j := range code {
				code[j] = byte(r.IntN(256))
				if r.IntN(3) > 0 {
					code[j] = byte(r.IntN(10)) // mostly ASCII digits
				}
			}
			if checkAgainstReference(t, cardAlphabet(code)) {
				found++
			}
			continue
		}
		card := cards[r.IntN(len(cards))]
		var b strings.Builder
		// Before the number: nothing, or a few characters of the alphabet.
		head := make([]byte, r.IntN(3))
		for j := range head {
			head[j] = byte(r.IntN(256))
		}
		b.WriteString(cardAlphabet(head))
		if len(head) > 0 {
			b.WriteString(cardAlphabet([]byte{byte(20 + r.IntN(12))})) // not glued to the number
		}
		// The number, its digits in any script, with 1-4 separators
		// here and there.
		for j := 0; j < len(card); j++ {
			b.WriteString(cardAlphabet([]byte{card[j] - '0' + byte(r.IntN(2))*(10+32*byte(r.IntN(8)))}))
			if r.IntN(8) == 0 {
				b.WriteString([]string{"\ufe0f\u20e3", "\u0332", "\u034f", "\ufe0e"}[r.IntN(4)])
			}
			if r.IntN(4) == 0 && j < len(card)-1 {
				gap := 1 + r.IntN(3)
				if r.IntN(20) == 0 {
					gap = 4 // one too many
				}
				for ; gap > 0; gap-- {
					b.WriteString(cardAlphabet([]byte{byte(20+r.IntN(8)) + 128*byte(r.IntN(2))}))
				}
			}
		}
		// After it: an expiry, a CVV or anything.
		tail := make([]byte, r.IntN(8))
		for j := range tail {
			tail[j] = byte(r.IntN(32))
		}
		if len(tail) > 0 && r.IntN(5) > 0 {
			tail[0] = byte(20 + r.IntN(12)) // mostly not glued to the number
		}
		b.WriteString(cardAlphabet(tail))
		if checkAgainstReference(t, b.String()) {
			found++
		}
	}
	// Both answers must be well represented, or the comparison proves little.
	if found < n/10 || found > n*9/10 {
		t.Errorf("card numbers found in %d of %d texts; want between 10%% and 90%%", found, n)
	}
	t.Logf("card numbers found in %d of %d texts", found, n)
}

// FuzzCardGuard: the guard agrees with the brute-force reference on any
// text, and on any text of the rule's alphabet.
func FuzzCardGuard(f *testing.F) {
	for _, s := range []string{
		"4111 1111 1111 1111 12/28", "4111.1111.1111.1111", "+49 1512 3456787", "20220211-0013-0000-0382",
		"٤١١١١١١١١١١١١١١١", "４１１１ １１１１ １１１１ １１１１", "4111    1111    1111    1111", "ORD-2026-11-29-000123",
		"4111。1111。1111。1111", "４１１１ー１１１１ー１１１１ー１１１１", "4111・・・・1111・1111・1111", "+49・1512・3456787",
	} {
		f.Add(s, []byte(s))
	}
	f.Fuzz(func(t *testing.T, s string, code []byte) {
		if len([]rune(s)) > 200 || len(code) > 200 {
			return // the reference is cubic
		}
		checkAgainstReference(t, s)
		checkAgainstReference(t, cardAlphabet(code))
	})
}

// BenchmarkLooksLikeCardNumber: the guard runs on every string of every
// request; a 500-character text of words, digits and separators, and one of
// the same length in Arabic-Indic digits.
func BenchmarkLooksLikeCardNumber(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"text", strings.Repeat("Order ORD-2026-11-29-000123 paid 12.50 EUR, ", 12)[:500]},
		{"arabic-indic", strings.Repeat("٤١١١ ١١١١ ١١١١ ١١١٢ ", 25)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				LooksLikeCardNumber(bc.s)
			}
		})
	}
}

// TestHoldsCardNumber: the guard for input reads a text also as a URL
// decoder would (README, Security: "also as a URL decoder reads it,
// percent- or form-encoded"): a card number typed with spaces into a
// form travels as 4111+1111+1111+1111 or 4111%201111%201111%201111.
func TestHoldsCardNumber(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"4111 1111 1111 1111", true},
		{"pan=4111+1111+1111+1111", true},
		{"pan=4111%201111%201111%201111", true},
		{"4111%2D1111%2d1111%2D1111", true},
		{"%34%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31", true},
		{"4111%25201111%25201111%25201111", true},       // encoded twice
		{"4111%2525201111%2525201111%2525201111", true}, // three times
		{"4111%C2%A01111%C2%A01111%C2%A01111", true},    // a no-break space, UTF-8 encoded
		{"4111%201111%201111%201111%zz", true},          // a malformed escape hides nothing
		{"%zz4111+1111+1111+1111", true},
		{"4111%252525201111%252525201111%252525201111", false}, // four times: past MaxURLDecodings
		{"+62 812 3456 7808", false},                           // a phone number keeps its +
		{"%2B62+812+3456+7808", false},                         // and encoded
		{"tel=%2B49%201512%203456787", false},
		{"q=a+b%20c&order=ORD-2026-11-29-000123", false},
		{"1+1=2", false},
		{"100%", false},
		{"%", false},
		{"%4", false},
		{"4111%201111", false},
		{"411111%2A%2A%2A%2A%2A%2A1111", false}, // masked: '*' ends the run
		// The separators an input method or a reader puts between digit
		// groups, as a URL decoder and as a JSON parser read them.
		{"4111%E3%80%821111%E3%80%821111%E3%80%821111", true},             // 。 URL-encoded
		{"4111%EF%BD%A11111%EF%BD%A11111%EF%BD%A11111", true},             // ｡ URL-encoded
		{"4111%25E3%2580%25821111%25E3%2580%25821111%E3%80%821111", true}, // encoded twice
		{"4111%E3%83%BC1111%E3%83%BC1111%E3%83%BC1111", true},             // ー
		{"4111%E3%83%BB1111%E3%83%BB1111%E3%83%BB1111", true},             // ・
		{"4111%C2%B71111%C2%B71111%C2%B71111", true},                      // ·
		{"4111%E2%81%841111%E2%81%841111%E2%81%841111", true},             // ⁄
		{"4111%E2%A0%801111%E2%A0%801111%E2%A0%801111", true},             // U+2800
		{`4111\u30021111\u30021111\u30021111`, true},                      // 。 JSON-escaped
		{`{"pan":"4111\uff701111\uff701111\uff701111"}`, true},            // ｰ JSON-escaped: NFKC ー
		{`4111\u22151111\u22191111\u20271111`, true},                      // ∕ ∙ ‧ JSON-escaped
		{"%2B49%E3%83%BB1512%E3%83%BB3456787", false},                     // +49・1512・3456787: a phone number
		{"2026%E3%80%8212%E3%80%8231", false},                             // 2026。12。31
	} {
		if got := HoldsCardNumber(tt.s); got != tt.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}

// TestCardSeparatorsInCompatibilityForms: the rule reads a compatibility
// form of a digit (NFKC: ④, ¹, ₄) as the digit, and so it reads a
// compatibility form of a separator as the separator. The small full stop
// in 4111﹒1111﹒1111﹒1111 is shown as a dot, and any reader that
// normalises text (NFKC: a search index, a log pipeline) stores
// 4111.1111.1111.1111. These are characters whose NFKC form is one
// separator, or a space and a combining mark (the spacing lines and
// accents), and which are none themselves.
func TestCardSeparatorsInCompatibilityForms(t *testing.T) {
	for _, sep := range []rune{
		'\u2024', // ONE DOT LEADER → .
		'\ufe52', // SMALL FULL STOP → .
		'\ufe33', // PRESENTATION FORM FOR VERTICAL LOW LINE → _
		'\ufe34', // PRESENTATION FORM FOR VERTICAL WAVY LOW LINE → _
		'\ufe4d', // DASHED LOW LINE → _
		'\ufe4e', // CENTRELINE LOW LINE → _
		'\ufe4f', // WAVY LOW LINE → _
		'\u207b', // SUPERSCRIPT MINUS → − (a dash itself too: Unicode's Dash)
		'\u208b', // SUBSCRIPT MINUS → − (a dash itself too: Unicode's Dash)
		'\uff61', // HALFWIDTH IDEOGRAPHIC FULL STOP → 。
		'\ufe12', // PRESENTATION FORM FOR VERTICAL IDEOGRAPHIC FULL STOP → 。
		'\uff70', // HALFWIDTH KATAKANA-HIRAGANA PROLONGED SOUND MARK → ー
		'\u0387', // GREEK ANO TELEIA → ·
		'\u2017', // DOUBLE LOW LINE → space, combining double low line
		'\u203e', // OVERLINE → space, combining overline
		'\ufe49', // DASHED OVERLINE → space, combining overline
		'\u00af', // MACRON → space, combining macron
		'\u00b4', // ACUTE ACCENT → space, combining acute accent
	} {
		s := strings.Join([]string{"4111", "1111", "1111", "1111"}, string(sep))
		if !refSeparator(sep) {
			t.Errorf("the reference does not read %U as a separator; want it to", sep)
		}
		if !LooksLikeCardNumber(s) {
			t.Errorf("LooksLikeCardNumber(%q) = false; want true (NFKC: %q)", s, norm.NFKC.String(s))
		}
		d := Draft{Amount: new(int64), Currency: "EUR", OrderID: s}
		if err := d.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("a draft whose orderId is %q: Validate() = %v; want EINVALID", s, err)
		}
	}
	// Forms that normalise to more than one character are no separators
	// to the rule for one text (‥ is "..", and … "..."); the guard for
	// input reads them through the text's normal form, where these three
	// dots are a gap the rule allows (TestHoldsCardNumberNormalised).
	for _, s := range []string{"4111\u20251111\u20251111\u20251111", "4111\u20261111\u20261111\u20261111"} {
		if LooksLikeCardNumber(s) {
			t.Errorf("LooksLikeCardNumber(%q) = true; want false", s)
		}
	}
}

// TestCardSeparatorMatchesReference holds isCardSeparator to the
// reference's reading of a separator on every code point (under -short,
// on the Basic Multilingual Plane, where every compatibility form of a
// separator is).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestCardSeparatorMatchesReference(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	last := rune(unicode.MaxRune)
	if testing.Short() {
		last = 0xffff
	}
	for r := rune(0); r <= last; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		if got, want := isCardSeparator(r), refSeparator(r); got != want {
			t.Errorf("isCardSeparator(%U) = %v; the reference says %v", r, got, want)
		}
	}
}

// TestHoldsCardNumberJSONEscaped: a string that holds a JSON text (a
// processor's raw answer kept in provider, a JSON object kept as a
// metadata value) is read by whoever parses it: its escapes \u0034,
// \u0020, \n undone, the number shows. The guard reads the text as that
// reader does, as it reads a URL as a URL decoder does, up to the same
// number of layers, the two kinds of encoding in either order.
func TestHoldsCardNumberJSONEscaped(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{`{"pan":"\u0034111111111111111"}`, true},
		{`{"pan":"\u0034\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031\u0031"}`, true},
		{`{"pan":"\u00341111111\u00311111111"}`, true},
		{`4111\u00201111\u00201111\u00201111`, true},
		{`4111\n1111\n1111\n1111`, true},               // line breaks, escaped
		{`4111\t1111\r\n1111\/1111`, true},             // tab, CR LF, an escaped slash
		{`{\"pan\":\"\\u0034111111111111111\"}`, true}, // JSON in a string in a string
		{`%5Cu0034111111111111111`, true},              // a URL-encoded JSON escape
		{`pan=\u0034111%201111%201111%201111`, true},   // both at once
		{`\ud83d\ude00 4111\u00a01111\u00a01111\u00a01111`, true},
		{`{"pan":"\u0034111111111111"}`, false}, // 13 digits, no card
		{`{"ref":"\u0032026-11-29"}`, false},
		{`\ud800 4111`, false},                  // a lone surrogate escape reads as U+FFFD, no digit
		{`\u00zz4111`, false},                   // a malformed escape is left as it is
		{`\\\\\\\\u0034111111111111111`, false}, // four layers: past MaxURLDecodings
		// A URL reader leaves a backslash as it is: undoing \u4111 first
		// must not take the digits it shows (\u4111 1111 1111 1111).
		{`\u4111%201111%201111%201111`, true},
		{`%5Cu4111%25201111%25201111%25201111`, true},
	} {
		if got := HoldsCardNumber(tt.s); got != tt.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
	d := Draft{Amount: new(int64), Currency: "EUR", Metadata: map[string]string{"raw": `{"card":{"number":"\u0034111111111111111"}}`}}
	if err := d.Validate(); ErrorReason(err) != ReasonCardNumber {
		t.Errorf("a draft whose metadata holds the JSON text {\"number\":\"\\u0034111...\"}: Validate() = %v; want %s", err, ReasonCardNumber)
	}
}

// TestHoldsCardNumberNormalised: the guard for input reads a text also as
// a reader that normalises it (NFKC: a search index, a log pipeline, a
// form's text) stores it, as it reads it as a URL or a JSON decoder does.
// The rule for one text reads a compatibility form of one digit or one
// separator (④, ﹒); a form of several is read through its normal form:
// the ellipsis … is "..." and the two dot leader ‥ "..", so
// 4111…1111…1111…1111 is stored by such a reader as 4111...1111...1111...1111
// (three dots, a gap the rule allows), and the digit full stops ⒋⒈ (U+2488-
// U+249B) are "4.1.", so ⒋⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈ is 4.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.
// Both were stored and logged as they were (a 201, and the path logged).
func TestHoldsCardNumberNormalised(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"4111\u20261111\u20261111\u20261111", true},                    // ellipses
		{"4111\u20251111\u20251111\u20251111", true},                    // two dot leaders
		{"4111\u2025\u20241111\u20261111 1111", true},                   // mixed, three dots a gap
		{"⒋⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈⒈", true},                                      // digit full stops
		{"card ⒋⒈⒈⒈ ⒈⒈⒈⒈ ⒈⒈⒈⒈ ⒈⒈⒈⒈ exp 12/28", true},                    // "4.1.1.1. 1.1.1.1. ..."
		{"4111%E2%80%A61111%E2%80%A61111%E2%80%A61111", true},           // URL-encoded ellipses
		{`4111\u20261111\u20261111\u20261111`, true},                    // JSON-escaped ellipses
		{"4111\u2026\u20261111\u2026\u20261111\u2026\u20261111", false}, // six dots: the run ends
		{"⑷⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴⑴", true},                                      // "(4)(1)..." in NFKC, where '(' ends a run; read as written, ⑴-⑼ are digits (circledDigit)
		{"🄅🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂🄂", false},                                     // "4,1,...": ',' ends a run
		{"Paid\u2026 12.50 EUR on ⒈ March", false},                      // ordinary text
		{"ORD-2026-11-29-000123\u2026", false},                          // an ordinary reference
		{"\ufdfa 4111 1111 1111", false},                                // a form of 18 letters, 12 digits
		// Normalised, then decoded (r106-cardcut): an escape or a '+'
		// that only the normal form holds.
		{"\uff0534111111111111111", true},                  // ％34…: %34… is 4…
		{"\ufe6a34111111111111111", true},                  // ﹪34…
		{"\uff3cu0034111111111111111", true},               // ＼u0034…: \u0034… is 4…
		{"\ufe68u0034111111111111111", true},               // ﹨u0034…
		{"4111\uff05201111\uff05201111\uff05201111", true}, // 4111％201111…
		{"\uff05\uff13\uff14\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11\uff05\uff13\uff11", true}, // ％３４％３１…, all full-width
		{"4111\uff0b1111\uff0b1111\uff0b1111", true},           // 4111＋1111＋…
		{"4111\ufe621111\ufe621111\ufe621111", true},           // ﹢
		{"4111\u207a1111\u207a1111\u207a1111", true},           // ⁺
		{"\uff0b49 30 1234567", false},                         // a phone number: its '+' follows no digit
		{"\uff0b378282246310005", false},                       // a '+' makes 15 digits a phone number
		{"\uff15\uff10\uff05 off order 4111 1111 1111", false}, // ５０％: 12 digits
		// An escape form that is itself escaped: a decoding makes it,
		// and its normal form is decoded again with the layers left
		// (r106-review).
		{"%EF%BC%8534111111111111111", true},                  // ％ URL-encoded: ％34… is %34…
		{`\uff0534111111111111111`, true},                     // ％ as a JSON escape
		{"4111%EF%BC%8B1111%EF%BC%8B1111%EF%BC%8B1111", true}, // ＋ URL-encoded
		{`4111\uff0b1111\uff0b1111\uff0b1111`, true},          // ＋ as a JSON escape
		{"%25EF%25BC%258534111111111111111", true},            // two layers to ％, one to 4: three
		{"%2525EF%2525BC%25258534111111111111111", false},     // three layers to ％: a fourth is past MaxURLDecodings
		// Normalising is no layer: the normal form has the three
		// layers, wherever in the chain it is reached, and no more
		// (r107-mutate: a reading with one layer more or fewer at any
		// step, or one that did not normalise again after each, took
		// or refused one of these).
		{"\uff05252534111111111111111", true},                                    // ％2525…: three layers after normalising
		{"\uff0525252534111111111111111", false},                                 // ％252525…: four
		{`\uff052534111111111111111`, true},                                      // JSON's ％, then two URL layers: three
		{`\uff05252534111111111111111`, false},                                   // JSON's ％, then three: four
		{"4111%EF%BC%8525201111%EF%BC%8525201111%EF%BC%8525201111", true},        // ％ URL-encoded, then two layers to a space
		{"4111%EF%BC%852525201111%EF%BC%852525201111%EF%BC%852525201111", false}, // then three: four
		{"\uff05EF\uff05BC\uff058534111111111111111", true},                      // normalised, decoded to ％, normalised again: %34…
		// A JSON escape a URL reader leaves as written (\u4111 is 4111 to
		// it): the URL-only reading normalises and decodes again too.
		{`\u4111%EF%BC%8B1111%EF%BC%8B1111%EF%BC%8B1111`, true},                    // ＋ URL-encoded after \u4111
		{`\u4111%EF%BC%8525201111%EF%BC%8525201111%EF%BC%8525201111`, true},        // ％ then two layers: three
		{`\u4111%EF%BC%852525201111%EF%BC%852525201111%EF%BC%852525201111`, false}, // ％ then three: four
	} {
		if got := HoldsCardNumber(tt.s); got != tt.want {
			t.Errorf("HoldsCardNumber(%q) = %v; want %v (NFKC: %q)", tt.s, got, tt.want, norm.NFKC.String(tt.s))
		}
		d := Draft{Amount: new(int64), Currency: "EUR", Metadata: map[string]string{"note": tt.s}}
		err := d.Validate()
		if got := ErrorReason(err) == ReasonCardNumber; got != tt.want {
			t.Errorf("a draft whose metadata value is %q: Validate() = %v; want refused %v", tt.s, err, tt.want)
		}
	}
}

// TestNormalisedReadingLeavesOutOnlyNothing holds the compact NFKC reading
// (compactNFKC, which leaves out what follows a non-ASCII character that
// ends runs, up to the next digit, ASCII letter or '+') to the rule on the
// whole NFKC form, on random texts of what the rule reads: digits of
// several scripts and forms, separators, '+' and '＋', CR LF, marks,
// invisible characters, UUIDs, ASCII and other letters, forms of many
// letters (ﷺ, ㌀) and of digits (½, ⒈, ㉑), and invalid UTF-8 (a URL
// decoding's bytes).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestNormalisedReadingLeavesOutOnlyNothing(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	parts := []string{
		"4111", "1111", "1", "12", "5", "0", "４", "١", "४", "²", "①", "❶",
		" ", "-", ".", "/", "_", "\u3000", "\u200b", "\r", "\n", "\u2026", "\u2025", "\uff0e",
		"+", "\uff0b", "\u0332", "\ufe0f", "\u3164",
		"00000000-0000-4000-8000-000000000001", "41111111-1111-4111-8111-111111111111", "a", "F", "x",
		"\ufdfa", "\u3300", "\u33af", "\u00bd", "\u2488", "\u248b", "\u3251", "\u2122", "\u2116", "\uff21", "注", "ص",
		"\xe2", "\x80", "\xff",
	}
	check := func(s string) {
		t.Helper()
		want := !norm.NFKC.IsNormalString(s) && LooksLikeCardNumber(norm.NFKC.String(s))
		if got := normalisedLooksLikeCardNumber(s); got != want {
			t.Fatalf("normalisedLooksLikeCardNumber(%q) = %v; want %v (NFKC %q)", s, got, want, norm.NFKC.String(s))
		}
	}
	// What may follow a letter outside ASCII and is not left out: a '+'
	// makes a run of at most 15 digits a phone number (378282246310005 is
	// an American Express number), and an ASCII letter right before a UUID
	// makes it no UUID (41111111-1111-1111-... then reads as 4111 1111
	// 1111 1111).
	for _, s := range []string{
		"注+378282246310005", "注\uff0b378282246310005", "\ufdfa+378282246310005", "注 +378282246310005",
		"注a41111111-1111-1111-8111-111111111111", "注\uff2141111111-1111-1111-8111-111111111111",
		"注41111111-1111-1111-8111-111111111111", "注 41111111-1111-1111-8111-111111111111",
		"\u2122 41111111-1111-1111-8111-111111111111", "\u212241111111-1111-1111-8111-111111111111",
	} {
		check(s)
	}
	parts = append(parts, "378282246310005", "41111111-1111-1111-8111-111111111111")
	forRandomJoins(rand.New(rand.NewPCG(3, 4)), parts, 50000, 30, check)
}

// forRandomJoins calls check with n texts, each 1 to most of parts drawn
// by r and joined.
func forRandomJoins(r *rand.Rand, parts []string, n, most int, check func(string)) {
	for range n {
		var b strings.Builder
		for range 1 + r.IntN(most) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		check(b.String())
	}
}

// TestCardNumberInAPunycodeHost: README, "a stored URL's Punycode host as
// a browser shows it (`https://xn--e4baaaaaaaaaaaaaa7a.example/` is
// `https://४१११११११११११११११.example/`)": the host a browser's address bar
// shows decoded holds the card number the same URL written in Devanagari
// digits holds (r81-seeds: it was 201 while the decoded spelling was
// refused). A Punycode host holding no card number stays accepted.
func TestCardNumberInAPunycodeHost(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want string
	}{
		{"https://xn--e4baaaaaaaaaaaaaa7a.example/", ReasonCardNumber},
		{"https://XN--E4BAAAAAAAAAAAAAA7A.example/back", ReasonCardNumber},
		{"https://shop.xn--e4baaaaaaaaaaaaaa7a.example/", ReasonCardNumber},
		{"https://\u096a\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967\u0967.example/", ReasonCardNumber},
		{"https://xn--bcher-kva.example/", ""},
		{"https://xn--e4baaaaa.example/", ""}, // ४११११११: seven digits
	} {
		d := &Draft{Amount: amount(1), Currency: "EUR", ReturnURL: tt.url}
		err := d.Validate()
		got := ""
		if err != nil {
			got = ErrorReason(err)
		}
		if got != tt.want || err != nil && ErrorField(err) != "returnUrl" {
			t.Errorf("returnUrl %q: Validate() reason %q (%v); want %q", tt.url, got, err, tt.want)
		}
	}
}

// TestEscapeFormsAreEveryCharacterThatNormalisesToOne holds escapeForms,
// the characters normalisedDecodingHoldsCardNumber looks for, to norm's
// tables: every character whose compatibility decomposition holds a '%',
// a \ or a '+' is in it, and nothing else is. One left out would be
// decoded only as written, where it makes no escape.
func TestEscapeFormsAreEveryCharacterThatNormalisesToOne(t *testing.T) {
	var want strings.Builder
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if utf16.IsSurrogate(r) {
			continue
		}
		if bytes.ContainsAny(compatDecomposition(r), `%\+`) {
			want.WriteRune(r)
		}
	}
	got := []rune(escapeForms)
	slices.Sort(got)
	if string(got) != want.String() {
		t.Errorf("escapeForms sorted = %q; want %q", string(got), want.String())
	}
}
