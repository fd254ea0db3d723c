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
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestShortTextsOutsideNFKCAllocateNearTheirSize(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const calls = 1000
	for _, unit := range []string{
		"\u00bd", "\ufdfa", "\u33e0", "e\u0301", "\uff21", // outside NFKC
		"\u00bd%252525", `\\u00bd%255c`, "1\u2026", // with layers to undo
		"\u4e2d", "\u00e9", // in NFKC, not ASCII
	} {
		per := allocatedBytes(func() {
			for range calls {
				HoldsCardNumber(unit)
			}
		}) / calls
		if max := uint64(64 * len(unit)); per > max {
			t.Errorf("judging %q allocated %d bytes a call; want at most %d (64 times its bytes)", unit, per, max)
		}
	}
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
