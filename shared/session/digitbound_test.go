package session

import (
	"fmt"
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
// the card rule reads.
func TestNoPrecomposedDigit(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if utf16.IsSurrogate(r) || norm.NFD.PropertiesString(string(r)).Decomposition() == nil {
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
// between ASCII digits and separators, up to minCardDigits-1 of them; with
// '%' and \ around it; and, for a character whose readings hold digits,
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
			"%" + c + `\` + c + "%",
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
			if readsCardNumber(s) {
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
