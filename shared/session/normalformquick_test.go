package session

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestInNFKCWhereTheQuickCheckCannotTell: InNFKC and NFKC agree with
// norm's own IsNormalString and String on texts whose NFKC status norm's
// quick check cannot decide (a combining mark that may compose, as
// U+0301 after an 'x', which none composes with, or after 'é', U+093C
// after क, whose composition is excluded) as on those it can, and on runs
// of more than 30 marks (where norm writes U+034F). The quick check alone
// answered "not in NFKC" for every such text, and a comparison that
// refused a segment filling the rest of the text exactly did too: every
// test still passed (r87-mutate), as the copy of a text in NFKC reads as
// the text; only the cost differed.
func TestInNFKCWhereTheQuickCheckCannotTell(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := InNFKC(s), norm.NFKC.IsNormalString(s); got != want {
			t.Errorf("InNFKC(%q) = %v; want %v", s, got, want)
		}
		if got, want := NFKC(s), norm.NFKC.String(s); got != want {
			t.Errorf("NFKC(%q) = %q; want %q", s, got, want)
		}
	}
	for _, s := range []string{
		"x\u0301", "\u0915\u093c", "\u00e9\u0301", "\u0300", "\u3099", "4111 x\u0301 1111", // in NFKC, quick check "maybe"
		"a\u0308", "\u1100\u1161", "\u0b47\u0b3e", "ka\u0300", // not in NFKC, quick check "maybe"
		"\u00bd", "\u2026", "\ufdfa", "\u00e9", "\u4e2d", // quick check decides
		"a" + strings.Repeat("\u0301", 40), strings.Repeat("\u0301", 30), "\xff", "\x80", "x\u0301\xff",
	} {
		check(s)
	}
	parts := []string{"x", "a", "e", "k", "\u0915", "\u1100", "\u1161", "\u0b47", "\u0b3e", "\u0301", "\u0308", "\u093c", "\u3099", "\u00e9", "\u00bd", "\u2026", "4", "1", " ", "\xff"}
	forRandomJoins(rand.New(rand.NewPCG(8, 7)), parts, 20000, 12, check)
}
