package session

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestDigitBoundTable: digitBound's table answers runeBound for every
// character, and its bound is what the character's own readings hold: as
// written (digitValue) and in NFKC (norm's own normalisation, not the
// decomposition runeBound reads), readInFull only for the characters
// whose NFKC form holds a '%' or a \ or more than two digits.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestDigitBoundTable(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if utf16.IsSurrogate(r) {
			continue
		}
		got := digitBound(r)
		if want := runeBound(r); got != want {
			t.Fatalf("digitBound(%U) = %d; want %d (runeBound)", r, got, want)
		}
		own := 0
		if _, ok := digitValue(r); ok {
			own = 1
		}
		nfkc, escape := 0, false
		for _, c := range norm.NFKC.String(string(r)) {
			if _, ok := digitValue(c); ok {
				nfkc++
			}
			escape = escape || c == '%' || c == '\\'
		}
		want := byte(max(own, nfkc))
		if escape || want >= readInFull {
			want = readInFull
		}
		if got != want {
			t.Fatalf("digitBound(%U %q) = %d; want %d (as written %d digits, in NFKC %d)", r, r, got, want, own, nfkc)
		}
	}
}

// TestNoPrecomposedDigit holds the tables to what tooFewDigits's bound
// rests on: NFKC's composition makes no digit, for no character that
// composition can make (one with a canonical decomposition) is a digit
// the card rule reads. The Hangul syllables U+AC00-U+D7A3, which
// composition makes of jamo (L+V+T, all starters), decompose by
// Unicode's algorithm, and norm's tables give them no decomposition: they
// are read too.
func TestNoPrecomposedDigit(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		hangul := r >= 0xac00 && r <= 0xd7a3
		if utf16.IsSurrogate(r) || !hangul && norm.NFD.PropertiesString(string(r)).Decomposition() == nil {
			continue
		}
		if _, ok := digitValue(r); ok {
			t.Errorf("%U has a canonical decomposition and is a digit; tooFewDigits's bound assumes composition makes none", r)
		}
	}
}

// TestTooFewDigitsExactForEveryCharacter: for every character (surrogates
// aside), texts built from it that tooFewDigits answers "surely none" for
// hold none by the full reading (readsCardNumber): the character repeated;
// between ASCII digits and separators, up to minCardDigits-1 of them;
// and, for a character whose readings hold digits,
// after the ASCII digits that make those digits a 13-digit Visa number
// (Luhn passing), as written and in NFKC: a bound too low for that
// character lets the cut take a card number.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestTooFewDigitsExactForEveryCharacter(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	taken := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if utf16.IsSurrogate(r) {
			continue
		}
		c := string(r)
		texts := []string{
			strings.Repeat(c, maxCardDigits),
			"4111 1111-1111" + c,
			"4111" + c + "1111" + c + "1111",
		}
		for _, reading := range []string{c, norm.NFKC.String(c)} {
			if d := readDigits(reading); d != "" && len(d) < minCardDigits-1 {
				texts = append(texts, visaBefore(d)+c)
			}
		}
		for _, s := range texts {
			if !tooFewDigits(s) {
				continue
			}
			taken++
			if readsCardNumber(s, true) {
				t.Fatalf("tooFewDigits(%q) = true (digitBound(%U) = %d); the full reading finds a card number", s, r, digitBound(r))
			}
		}
	}
	if taken < unicode.MaxRune {
		t.Errorf("the cut took %d texts; want at least one a character", taken)
	}
}

// readDigits is the digits, 0 to 9, the card rule reads in s.
func readDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		if v, ok := digitValue(c); ok {
			b.WriteByte('0' + v)
		}
	}
	return b.String()
}

// visaBefore is the ASCII digits that, followed by d, make a 13-digit Visa
// number that passes the Luhn check: '4', then '1's and a digit that
// makes the sum.
func visaBefore(d string) string {
	p := []byte("4" + strings.Repeat("1", minCardDigits-2-len(d)) + "0")
	for v := byte('0'); v <= '9'; v++ {
		p[len(p)-1] = v
		if luhn(append(append([]byte(nil), p...), d...)) {
			break
		}
	}
	return string(p)
}

// TestDigitBoundBlocksBuiltConcurrently: readers that meet a block of
// digitBound's table not yet made make it at once, each its own copy, and
// read the bounds runeBound computes (under -race: with no data race).
func TestDigitBoundBlocksBuiltConcurrently(t *testing.T) {
	const base = 0x2400 // the circled and parenthesized digits: bounds 0, 1 and 2
	var wg sync.WaitGroup
	for range 3 {
		boundBlocks[base>>8].Store(nil)
		errs := make(chan string, 4*256)
		for range 4 {
			wg.Go(func() {
				for r := rune(base); r < base+256; r++ {
					if got, want := digitBound(r), runeBound(r); got != want {
						errs <- fmt.Sprintf("digitBound(%U) = %d; want %d", r, got, want)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}

// TestDigitBoundHoldsAcrossCharacters: tooFewDigits's bound, the sum of
// digitBound over a text's characters, is at least the digits of every
// reading of the whole text (as written, in NFKC by norm's own
// normalisation and by compactNFKC, its '+'s read as spaces by
// urlDecodeOnce, as written and in NFKC), and no reading holds a '%' or a
// \ for a decoding to start from: the step of its argument that no test
// of one character at a time holds, where normalisation works across
// characters. Random texts of characters that compose, reorder or
// decompose across their neighbours (Hangul jamo, which compose as
// starters, L+V+T; vowel signs two starters of which compose, U+0B47
// U+0B3E to U+0B4B; marks of every combining class, one that decomposes
// to two, U+0344; decompositions that start with a mark, U+0F73, U+1FEE;
// singletons, Ω; the spacing voiced mark ゛, a space and a mark) among
// characters of one and two digits in some reading (every decimal digit,
// ², ①, ⑴, ⒈, ½, ⑩, ㉑) and ASCII digits and separators; 13 or more
// digits among them as often as fewer. Each text the cut takes is read
// in full too.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestDigitBoundHoldsAcrossCharacters(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	var digits []rune
	for _, d := range ndDigits {
		digits = append(digits, d...)
	}
	for _, block := range [][2]rune{{0x80, 0x33ff}, {0xff00, 0xffef}, {0x1d7ce, 0x1d7ff}, {0x1f100, 0x1f10c}} {
		for r := block[0]; r <= block[1]; r++ {
			// Read from the character's readings, not from digitBound.
			_, own := digitValue(r)
			nfkc := norm.NFKC.String(string(r))
			if n := len(readDigits(nfkc)); (own || n > 0) && n < readInFull && !unicode.Is(unicode.Nd, r) && !strings.ContainsAny(nfkc, `%\`) {
				digits = append(digits, r)
			}
		}
	}
	others := []rune("0123456789 +-./_aAeEoO\u03b1\u03c9\u304b\u30cf" + // ASCII, starters that compose
		"\u0300\u0301\u0308\u0316\u0327\u0334\u0345\u05b0\u0e38\u3099\u309a\U0001d165\u20e3\ufe0f\u034f" + // marks of several classes
		"\u0344\u0f73\u0f75\u0f81\u0340\u0343\u1fc1\u1fed\u1fee\u2126\u212b\u0958\u309b\u309c\u00a8\u00b4" + // decompositions that start with a mark, singletons, exclusions, spacing marks
		"\u0b47\u0b3e\u0b56\u0b57\u0dd9\u0dcf\u0dca\u1025\u102e\u09c7\u09be\u09d7\u0cc6\u0cd5\u0cd6\u0cc2" + // vowel signs that compose as starters
		"\u1100\u1112\u1161\u1175\u11a8\u11c2\uac00\uac1c\ud7a3\u3131\uffa0\u3164" + // Hangul jamo and syllables
		"\u2024\u2025\u2026\ufe52\u3002\uff61\u00a0\u3000\u200b\ufdfa\u3250")
	r := rand.New(rand.NewPCG(106, 13))
	n := 10000
	if testing.Short() {
		n = 2000
	}
	taken := 0
	for range n {
		var b strings.Builder
		for range 1 + r.IntN(40) {
			if r.IntN(2) == 0 {
				b.WriteRune(digits[r.IntN(len(digits))])
			} else {
				b.WriteRune(others[r.IntN(len(others))])
			}
		}
		s := b.String()
		bound := 0
		for _, c := range s {
			bound += int(digitBound(c))
		}
		decoded := s
		for range MaxURLDecodings {
			decoded, _ = urlDecodeOnce(decoded)
		}
		var compact strings.Builder
		compactNFKC(s, &compact)
		for _, reading := range []string{s, norm.NFKC.String(s), compact.String(), decoded, norm.NFKC.String(decoded)} {
			if got := len(readDigits(reading)); got > bound {
				t.Fatalf("a reading of %+q, %+q, holds %d digits; want at most %d (the sum of digitBound)", s, reading, got, bound)
			}
			if strings.ContainsAny(reading, `%\`) {
				t.Fatalf("a reading of %+q, %+q, holds a %% or a \\; want none (no character's bound is readInFull)", s, reading)
			}
		}
		if got, want := tooFewDigits(s), bound < minCardDigits; got != want {
			t.Fatalf("tooFewDigits(%+q) = %v; want %v (bound %d)", s, got, want, bound)
		}
		if bound < minCardDigits {
			taken++
			if readsCardNumber(s, true) {
				t.Fatalf("tooFewDigits(%+q) = true; the full reading finds a card number", s)
			}
		}
	}
	if taken < n/4 || taken > n*3/4 {
		t.Errorf("the cut took %d of %d texts; want between a quarter and three quarters", taken, n)
	}
}

// TestDigitBoundOfNamedCharacters: the bounds digitBound's comments name,
// as numbers rather than by readInFull (TestDigitBoundTable judges the
// table by the constant, so a readInFull of 2 sent every two-digit
// character such as ⑩ and ¼ to the full reading and passed it;
// r106-mutate): "the digits of its NFKD form (⒈ is "1.", ¼ "1⁄4", ⑩
// "10")", and to the full reading "a '%' or \, a character whose NFKC
// form holds one: ％ ＼ ﹪ ﹨, ... a character of more than two digits in
// NFKD: ⅒, "1⁄10"".
func TestDigitBoundOfNamedCharacters(t *testing.T) {
	tests := []struct {
		r    rune
		want byte
	}{
		{'a', 0}, {'é', 0}, {'Ж', 0}, {'中', 0},
		{'٤', 1}, {'４', 1}, {'⁴', 1}, {'④', 1}, {'❹', 1}, {'⑷', 1}, {'⒈', 1},
		{'¼', 2}, {'⑩', 2}, {'⒇', 2},
		{'⅒', 3}, {'％', 3}, {'＼', 3}, {'﹪', 3}, {'﹨', 3},
	}
	for _, tt := range tests {
		if got := digitBound(tt.r); got != tt.want {
			t.Errorf("digitBound(%U %q) = %d; want %d", tt.r, tt.r, got, tt.want)
		}
	}
}
