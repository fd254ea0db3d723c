package session

import (
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestShortTextsOutsideNFKCAllocateNearTheirSize: judging many short texts
// outside NFKC (a body's array of "½" strings, a path's segments) allocates
// near what the texts hold, not norm's buffers for each text. norm's
// IsNormalString and NFKC.String, and a norm.Iter declared in a function,
// allocate a kilobyte or more on every call whatever the text's length: a
// 48 KiB body of short "½%252525" strings cost 25 times one of ASCII
// strings, and the log line of a 9 KiB path of such segments, which any
// client may send, allocated 18 MB (r86-cost).
//
// Each text is judged by the guard and by its full reading
// (guardAndFullReading): the guard's short cut answers most of these units
// alone before their normal form is read, but a client reaches the full
// reading with a few more digits ("½" seven times, 14 in NFKC), and that
// is where norm's buffers were made (r106-review: with a norm.Iter made
// for each text, the guard alone failed here only on the two units with
// '%' or \).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestShortTextsOutsideNFKCAllocateNearTheirSize(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const calls = 1000
	for _, unit := range []string{
		"\u00bd", "\ufdfa", "\u33e0", "e\u0301", "\uff21", // outside NFKC
		"\u00bd%252525", `\\u00bd%255c`, "1\u2026", // with layers to undo
		"\u4e2d", "\u00e9", // in NFKC, not ASCII
		"\uff0525", "\uff0b%252525", // an escape or '+' made by NFKC, decoded once normalised
	} {
		for _, j := range guardAndFullReading {
			per := allocatedBytes(func() {
				for range calls {
					j.judge(unit)
				}
			}) / calls
			if max := uint64(64 * len(unit)); per > max {
				t.Errorf("%s(%q) allocated %d bytes a call; want at most %d (64 times its bytes)", j.name, unit, per, max)
			}
		}
	}
}

// guardAndFullReading are the card rule's guards (HoldsCardNumber, and
// StoredHoldsCardNumber for reads) and its full reading (readsCardNumber),
// for a cost test: the guard's short
// cut (tooFewDigits) answers a text with too few digits under any reading
// before anything else, so a text without digits never reaches the full
// reading through the guard, but the same text with 13 digits in it does,
// and the full reading is where the costs were.
var guardAndFullReading = []struct {
	name  string
	judge func(string) bool
}{
	{"HoldsCardNumber", HoldsCardNumber},
	{"StoredHoldsCardNumber", StoredHoldsCardNumber},
	{"readsCardNumber", func(s string) bool { return readsCardNumber(s, true) }},
}

// TestNFKCAfterAStoppedReading: a text's NFKC form is the same whatever was
// read before it: InNFKC stops reading at the first difference, within a
// character's decomposition, and the pooled reader it used must not carry
// the rest of it into the next text ("…" then read "....").
func TestNFKCAfterAStoppedReading(t *testing.T) {
	for _, c := range []struct{ before, s, want string }{
		{"\u2026", "\u2026", "..."},
		{"\ufdfa", "a\u2026b", "a...b"},
		{"x\u2474", "4111\u20261111", "4111...1111"},
		{"\u33e0", "\u00bd", "1\u20442"},
	} {
		InNFKC(c.before)
		if got := NFKC(c.s); got != c.want {
			t.Errorf("NFKC(%q) after InNFKC(%q) = %q; want %q", c.s, c.before, got, c.want)
		}
	}
}
