package session

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

func rep(unit string, size int) string {
	return strings.Repeat(unit, size/len(unit)+1)[:size]
}

var holdsInputs = []struct{ name, unit string }{
	{"plain", "a"},
	{"digits", "1"},
	{"jsonBackslashU005c", `\u005c`},
	{"jsonBackslashes", `\\`},
	{"url%25", "%25"},
	{"url%252525", "%252525"},
	{"mixedLayers", `\u0025\u0032\u0035%5c%5c`},
	{"compatSepRun", "1\ufe52"},
	{"overlineRun", "1\u203e"},
	{"vulgarHalf", "\u00bd"},
	{"circled10", "\u2469"},
	{"ellipsisRun", "1\u2026"},
	{"digitFullStops", "\u2488"},
	{"ligatureSalla", "\ufdfa"}, // NFKC 18 characters
	{"vulgarHalfLayers", "\u00bd%252525"},
	{"digitGroups1", "1 "},
	{"fullwidthDigits", "\uff11"},
	{"surrogates", `\ud83d\ude00`},
	{"loneSurrogates", `\ud800`},
	{"escapedFullWidthPercent", "%EF%BC%85"}, // ％ once decoded, % once normalised
	{"jsonFullWidthPlus", `1\uff0b`},         // ＋ once unescaped, + once normalised
}

func BenchmarkHoldsCardNumber64K(b *testing.B) {
	for _, in := range holdsInputs {
		s := rep(in.unit, 64<<10)
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				HoldsCardNumber(s)
			}
		})
	}
}

// deepBody is a body of about size bytes: depth objects nested under
// member names of 64 characters of unit, holding an array of n zeros.
func deepBody(depth int, unit string, size int) []byte {
	name := strings.Repeat(unit, 64)
	var b strings.Builder
	for range depth {
		b.WriteString(`{"` + name + `":`)
	}
	b.WriteString("[")
	closing := strings.Repeat("}", depth)
	for b.Len() < size-len(closing)-4 {
		b.WriteString("0,")
	}
	b.WriteString("0]")
	b.WriteString(closing)
	return []byte(b.String())
}

func BenchmarkScanJSONDeepNames(b *testing.B) {
	for _, c := range []struct {
		name, unit string
		depth      int
	}{
		{"flatA", "a", 1},
		{"depth31A", "a", 31},
		{"depth31Half", "\u00bd", 31},
		{"depth31Pct", "%", 31},
	} {
		for _, size := range []int{32 << 10, 64 << 10} {
			body := deepBody(c.depth, c.unit, size)
			b.Run(c.name+"/"+strconv.Itoa(size>>10)+"K", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := scanJSON("metadata", body, onInput); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// allocatedBytes is what f allocates, in bytes, over one call.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestScanJSONCostIsLinear holds the JSON scan of a body (CheckJSON, and
// the guard of free-form objects) to a cost linear in the body's size: a
// body whose members sit deep under long names costs what a flat one of
// the same size costs, and doubling a body at most doubles its cost
// (measured in bytes allocated, which named every token's place and
// grew with the square of the size: a 64 KiB body took seconds).
func TestScanJSONCostIsLinear(t *testing.T) {
	const size = 8 << 10
	scan := func(body []byte, guard cardRule) func() {
		return func() {
			if _, err := scanJSON("metadata", body, guard); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A long name: a path longer than any shown name.
	long := func(size int) []byte {
		name := strings.Repeat("a", size/2)
		b := []byte(`{"` + name + `":[`)
		for len(b) < size-4 {
			b = append(b, "0,"...)
		}
		return append(b, "0]}"...)
	}
	for _, guard := range []cardRule{noCardRule, onInput, onRead} {
		flat := allocatedBytes(scan(deepBody(1, "a", size), guard))
		deep := allocatedBytes(scan(deepBody(MaxJSONDepth-1, "a", size), guard))
		if deep > 2*flat+64<<10 {
			t.Errorf("guard %v: %d-level body under 64-character names allocated %d bytes, a flat one %d; want at most twice", guard, MaxJSONDepth-1, deep, flat)
		}
		one := allocatedBytes(scan(long(size), guard))
		two := allocatedBytes(scan(long(2*size), guard))
		if two > 3*one {
			t.Errorf("guard %v: a body under one long name allocated %d bytes at %d bytes, %d at twice the size; want at most three times", guard, one, size, two)
		}
	}
}

// BenchmarkHoldsCardNumberDoubling runs each hostile input at 32 KiB and
// 64 KiB side by side: the cost must double, not quadruple.
func BenchmarkHoldsCardNumberDoubling(b *testing.B) {
	for _, in := range holdsInputs {
		for _, size := range []int{32 << 10, 64 << 10} {
			s := rep(in.unit, size)
			b.Run(in.name+"/"+strconv.Itoa(size>>10)+"K", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					HoldsCardNumber(s)
				}
			})
		}
	}
}

// TestHoldsCardNumberAllocationsDoNotGrow holds the guard to a number of
// allocations that does not grow with its input, whatever the input: a
// decoding layer allocates its copy, and nothing else does (reading a
// compatibility form of a digit or separator allocated for every
// character: 64 KiB of ½ or 1﹒ cost 10-30 MB of garbage), and each text
// judged that is not in NFKC one copy of its normal form (s, and a JSON
// and a URL decoding a layer in both chains).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestHoldsCardNumberAllocationsDoNotGrow(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const (
		layers     = 2 * (2*MaxURLDecodings + MaxURLDecodings) // two copies a layer, both chains
		normalised = 1 + 2*2*MaxURLDecodings                   // one normal form a text judged
		maxAllocs  = layers + normalised
	)
	for _, in := range holdsInputs {
		for _, size := range []int{4 << 10, 8 << 10} {
			s := rep(in.unit, size)
			if got := testing.AllocsPerRun(3, func() { HoldsCardNumber(s) }); got > maxAllocs {
				t.Errorf("HoldsCardNumber(%d bytes of %q) allocates %v times; want at most %d", size, in.unit, got, maxAllocs)
			}
		}
	}
}

// TestHoldsCardNumberOfPlainTextAllocatesNothing: the guard runs on every
// body value, member name and path segment a request carries, nearly all
// of them ASCII with no escape. Such a text is judged without allocating:
// ASCII is in NFKC as it is, and norm's own check of that allocated once
// per text judged (four allocations more on every request's log line).
// So is a text in any script with too few digits to hold a card number,
// in NFKC or not (tooFewDigits, "a name in any script ... in one pass",
// where the full reading normalises a copy): with HoldsCardNumber's short
// cut dropped (r106-mutate) every other row passed. So too the rule reads
// hold stored text to (StoredHoldsCardNumber), which every read runs on
// every text of the item (Session.ForeignField: "It allocates nothing for
// a session without URLs or JSON objects"): with its short cut dropped
// (r107-mutate) every test passed.
func TestHoldsCardNumberOfPlainTextAllocatesNothing(t *testing.T) {
	for _, guard := range []struct {
		name  string
		judge func(string) bool
	}{{"HoldsCardNumber", HoldsCardNumber}, {"StoredHoldsCardNumber", StoredHoldsCardNumber}} {
		for _, s := range []string{
			"", "sessions", "0b8f2c1e-3a4d-4e5f-9a6b-7c8d9e0f1a2b", "merchant-1", "EUR",
			"https://shop.example/return?order=42", "4111 1111 1111 1111",
			"Ｍｕｓｔｅｒｍａｎｎ ＧｍｂＨ", "ﬁnance ½ ①②", "株式会社㈱ 第１２号", "Заказ № 12345 оплачен",
		} {
			if got := testing.AllocsPerRun(10, func() { guard.judge(s) }); got != 0 {
				t.Errorf("%s(%q) allocates %v times; want 0", guard.name, s, got)
			}
		}
	}
}

// TestNormalFormCostStaysNearTheText: the copy a text is judged in, in its
// NFKC form, stays within three times the text's bytes, whatever
// compatibility forms it holds. NFKC writes 18 letters for U+FDFA (33
// bytes for 3) and four katakana for U+3300 (12 for 3): the copy of 64 KiB
// of them was 11 and 4 times the text, which the rule then read through.
// Letters that follow one another read as one (each ends any run of
// digits), so they need not be copied; digits and what stands between
// them must be (½ is "1⁄2", 2.5 times its bytes; ㎯ is "rad∕s2").
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestNormalFormCostStaysNearTheText(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const size = 64 << 10
	for _, unit := range []string{
		"\ufdfa", "\ufdfb", "\u3300", "\u3357", "\u33af", // a ligature, squared katakana, rad∕s²
		"\u00bd", "\u2488", "1\u2026", "\u3251", // digits in them
		"\ufdfa1", "\ufdfa+", "\u3300\u2488", "a\ufdfa", // mixed with digits, '+', letters
	} {
		s := rep(unit, size)
		s = strings.ToValidUTF8(s[:strings.LastIndex(s, unit)], "")
		if got, max := allocatedBytes(func() { normalisedLooksLikeCardNumber(s) }), uint64(3*len(s)); got > max {
			t.Errorf("judging %d bytes of %q in NFKC allocated %d bytes; want at most %d (three times the text)", len(s), unit, got, max)
		}
	}
}
