package session

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// ndDigits are every Unicode decimal digit (category Nd) but ASCII's, by
// value: a digit is its offset from the first of its run of ten.
var ndDigits = func() (by [10][]rune) {
	add := func(lo, hi, stride rune) {
		for r := lo; r <= hi; r += stride {
			if r > '9' {
				by[(r-lo)/stride%10] = append(by[(r-lo)/stride%10], r)
			}
		}
	}
	for _, r := range unicode.Nd.R16 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	return by
}()

// digitForm writes digit d (0-9) as a reader may meet it: ASCII with
// probability plain, else a form drawn by r: a decimal digit of any
// Unicode script, a compatibility form (superscript, subscript, circled,
// full-width), a URL escape (once or twice), a JSON escape, an escaped
// backslash before a JSON escape, a URL-escaped one.
func digitForm(r *rand.Rand, d int, plain float64) string {
	a := rune('0' + d)
	if r.Float64() < plain {
		return string(a)
	}
	switch r.IntN(12) {
	case 0, 1, 2, 3, 4:
		return string(ndDigits[d][r.IntN(len(ndDigits[d]))])
	case 5, 6:
		compat := [][10]rune{
			{'⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'},
			{'₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'},
			{'⓪', '①', '②', '③', '④', '⑤', '⑥', '⑦', '⑧', '⑨'},
			{'０', '１', '２', '３', '４', '５', '６', '７', '８', '９'},
		}
		return string(compat[r.IntN(len(compat))][d])
	case 7:
		return fmt.Sprintf("%%%X", a)
	case 8:
		return fmt.Sprintf("%%25%X", a)
	case 9:
		return fmt.Sprintf(`\u%04x`, a)
	case 10:
		return fmt.Sprintf(`\\u%04X`, a)
	default:
		return fmt.Sprintf("%%5Cu%04X", a)
	}
}

// TestTooFewDigitsAgreesInEveryDigitForm: HoldsCardNumber answers as its
// full reading does on text whose digits are written in every form the
// full reading knows (every Nd script, compatibility forms, URL and JSON
// escapes) and some it does not: test card numbers, each digit in a form
// of its own, between separators, escapes and letters, and soups of the
// same. The cut (tooFewDigits) must take only text the full reading finds
// no card number in: a cut that counted a digit outside ASCII as none, or
// read past a % or a \, answers "none" for a card number written so.
func TestTooFewDigitsAgreesInEveryDigitForm(t *testing.T) {
	r := rand.New(rand.NewPCG(104, 13))
	cards := []string{"4111111111111111", "5555555555554444", "378282246310005", "4222222222222", "6011000990139424", "4141414141414115", "4123412341234129", "4000000000000002", "4999999999999996"}
	// The vulgar fractions NFKC reads as two digits and a fraction slash
	// (a separator): "1⁄4".
	fractions := map[string]rune{"14": '¼', "12": '½', "34": '¾'}
	// Separators first (fill[:5] go inside a number), then letters,
	// escapes and forms no reading decodes (an HTML reference, %u).
	fill := []string{" ", "-", "+", ".", "_", "a", "Z", "%", `\`, "%20", `\n`, `\u0020`, "%2B", "\u00a0", "\u3000", "ー", "x", "&#52;", "%u0034"}
	n := 20000
	if testing.Short() {
		n = 4000
	}
	var found, taken, cards13 int
	for i := 0; i < n; i++ {
		var b strings.Builder
		for range r.IntN(3) {
			b.WriteString(fill[r.IntN(len(fill))])
		}
		switch i % 3 {
		case 0: // a card number, some digits in another form
			card := cards[r.IntN(len(cards))]
			plain := []float64{0.8, 0.5, 0.2}[r.IntN(3)]
			for j := 0; j < len(card); j++ {
				if f, ok := fractions[card[j:min(j+2, len(card))]]; ok && r.IntN(2) == 0 {
					// Two digits in one character: ¼ is "1⁄4" in NFKC,
					// and "%C2%BC" holds one ASCII digit for the two.
					b.WriteString([]string{string(f), fmt.Sprintf("%%C2%%%X", f-0x80), fmt.Sprintf(`\u00%X`, f)}[r.IntN(3)])
					j++
					continue
				}
				b.WriteString(digitForm(r, int(card[j]-'0'), plain))
				if r.IntN(5) == 0 {
					b.WriteString(fill[r.IntN(5)])
				}
			}
		case 1: // a soup of digits in every form
			for range r.IntN(30) {
				if r.IntN(2) == 0 {
					b.WriteString(digitForm(r, r.IntN(10), 0.5))
				} else {
					b.WriteString(fill[r.IntN(len(fill))])
				}
			}
		default: // mostly ASCII, a form now and then
			for range r.IntN(20) {
				if r.IntN(2) == 0 {
					b.WriteString(digitForm(r, r.IntN(10), 0.97))
				} else {
					b.WriteString(fill[r.IntN(7)])
				}
			}
		}
		s := b.String()
		full := readsCardNumber(s, true)
		if got := HoldsCardNumber(s); got != full {
			t.Fatalf("HoldsCardNumber(%q) = %v; the full reading says %v", s, got, full)
		}
		if tooFewDigits(s) {
			taken++
			if full {
				t.Fatalf("tooFewDigits(%q) = true; the full reading finds a card number", s)
			}
		} else if full && asciiDigits(s) < minCardDigits {
			cards13++ // a card number the cut must not take: too few ASCII digits
		}
		if full {
			found++
		}
	}
	// Each answer well represented, or the comparison proves little.
	if found < n/10 || taken < n/20 || cards13 < n/100 {
		t.Errorf("of %d texts: %d hold a card number, the cut took %d, %d held one in fewer than %d ASCII digits; want at least 10%%, 5%% and 1%%", n, found, taken, cards13, minCardDigits)
	}
}

// asciiDigits counts s's digits 0 to 9.
func asciiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// FuzzTooFewDigits: on any text, HoldsCardNumber answers as its full
// reading does, and the cut takes no text the full reading finds a card
// number in.
func FuzzTooFewDigits(f *testing.F) {
	for _, s := range []string{
		"4111111111111111", "411111111111%311", `41111111111\u00311`, "٤١١١١١١١١١١١١١١١", "4111 1111 1111 １１１１",
		"4111+1111+1111+1111", "ORD-2026-11-29-000123", "%25%34111111111111111", `\\u0034111111111111111`, "4111111111111¹¹¹",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		full := readsCardNumber(s, true)
		if got := HoldsCardNumber(s); got != full {
			t.Fatalf("HoldsCardNumber(%q) = %v; the full reading says %v", s, got, full)
		}
		if tooFewDigits(s) && full {
			t.Fatalf("tooFewDigits(%q) = true; the full reading finds a card number", s)
		}
	})
}
