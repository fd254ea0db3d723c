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
		if readsCardNumber(s) {
			t.Fatalf("tooFewDigits(%q) = true; the full reading finds a card number", s)
		}
	}
	// "%C2%BC" is ¼, "1⁄4" in NFKC: two digits of a card number for one
	// ASCII digit, so 4141414141414115 so written holds 10.
	for _, s := range []string{"%34111111111111", `\u0034111111111111`, "４111111111111", "4111111111111", "4%C2%BC%C2%BC%C2%BC%C2%BC%C2%BC%C2%BC115"} {
		if tooFewDigits(s) {
			t.Errorf("tooFewDigits(%q) = true; want false (an escape, a digit outside ASCII, or enough digits)", s)
		}
	}
	if taken < 1000 {
		t.Errorf("the cut took %d texts; want the test to judge at least 1000", taken)
	}
}
