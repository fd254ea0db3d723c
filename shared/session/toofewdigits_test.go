package session

import (
	"math/rand/v2"
	"testing"
)

// TestTooFewDigitsNeverHidesACardNumber: HoldsCardNumber's short cut
// (tooFewDigits) answers "none" only where the full reading finds none.
// Random texts over digits, separators, '+' and letters (the card rule's
// own alphabet, with no % or \ the cut would refuse), of up to 40 bytes
// and a seeded source: every text the cut takes is read in full too.
func TestTooFewDigitsNeverHidesACardNumber(t *testing.T) {
	const alphabet = "0123456789 -+./:_*abcXYZ"
	r := rand.New(rand.NewPCG(1, 2))
	taken := 0
	for range 200000 {
		b := make([]byte, r.IntN(41))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		if !tooFewDigits(s) {
			continue
		}
		taken++
		if readsCardNumber(s, true) {
			t.Fatalf("tooFewDigits(%q) = true; the full reading finds a card number", s)
		}
	}
	// tooFewDigits's rule: "Text outside that (a '%' or \, a character
	// whose NFKC form holds one: ％ ＼ ﹪ ﹨, a byte that is no UTF-8, a
	// character of more than two digits in NFKD: ⅒, "1⁄10") goes to the
	// full reading." Its proof of exactness holds only outside these, so
	// each is sent on however few digits it holds. With the \ check
	// dropped (r106-mutate) the rows of 13 digits or more still passed
	// (an escape's hex digits count), and the checks of a byte that is no
	// UTF-8 and of readInFull had no row.
	for _, tt := range []struct{ s, why string }{
		{"%34111111111111", "a '%'"},
		{"%34", "a '%' with few digits"},
		{`\u0034111111111111`, "a JSON escape"},
		{`\u0034`, "a JSON escape with few digits"},
		{`\`, "a \\ alone"},
		{"４111111111111", "13 digits, one outside ASCII"},
		{"4111111111111", "13 ASCII digits"},
		// "%C2%BC" is ¼, "1⁄4" in NFKC: two digits of a card number for
		// one ASCII digit, so 4141414141414115 so written holds 10.
		{"4%C2%BC%C2%BC%C2%BC%C2%BC%C2%BC%C2%BC115", "URL escapes of two digits each"},
		{"4\xff", "a byte that is no UTF-8"},
		{"\xe2\x85", "a character cut short"},
		{"\x80", "a continuation byte alone"},
		{"％34", "a full-width '%'"},
		{"＼u0034", "a full-width \\"},
		{"﹪34", "a small '%'"},
		{"﹨", "a small \\"},
		{"⅒", "a character of three digits in NFKD"},
	} {
		if tooFewDigits(tt.s) {
			t.Errorf("tooFewDigits(%q) = true; want false (%s)", tt.s, tt.why)
		}
	}
	if taken < 1000 {
		t.Errorf("the cut took %d texts; want the test to judge at least 1000", taken)
	}
}
