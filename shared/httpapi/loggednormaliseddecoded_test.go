package httpapi

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
)

// TestLoggedPathReadsNormalisedThenDecodedAcrossSegments: the log line
// redacts a card number written across segments as the card rule reads
// a body string (README, Logging), and since 2026-12-07 the rule also
// decodes a text's normal form when normalising makes a '%', '\' or '+'
// (README, Input: "the full-width `％34111111111111111` is
// `%34111111111111111`"), as session.HoldsCardNumber judges each segment
// alone. Across segments the path was searched as written, in NFKC and
// decoded, never normalised then decoded: /x/％34111/1111/1111/1111,
// which HoldsCardNumber reads as 4111/1111/1111/1111, was logged as sent
// on make run (r107-review), where /x/%34111/1111/1111/1111 is redacted.
func TestLoggedPathReadsNormalisedThenDecodedAcrossSegments(t *testing.T) {
	for _, p := range []string{
		"/x/\uff0534111/1111/1111/1111",               // ％34111/…: %34111/… is 4111/…
		"/x/\ufe6a34111/1111/1111/1111",               // ﹪
		"/x/4111\uff0b1111/1111\uff0b1111",            // 4111＋1111/…: a form's space
		"/x/4111\u207a1111/1111\u207a1111",            // ⁺
		"/x/4111\uff05201111/1111\uff05201111",        // ％20: a space
		"/x/\uff3cu0034111/1111/1111/1111",            // ＼u0034: \u0034 is 4
		"/x/%EF%BC%8534111/1111/1111/1111",            // ％ URL-encoded: decoded, normalised, decoded
		`/x/\uff0534111/1111/1111/1111`,               // ％ as a JSON escape
		"/x/4111%EF%BC%8B1111/1111%EF%BC%8B1111",      // ＋ URL-encoded
		"/sessions/\uff0534111/1111/1111/1111/events", // a route's words beside it
	} {
		if !session.HoldsCardNumber(p) {
			t.Fatalf("HoldsCardNumber(%q) = false; want true", p)
		}
		if got := redactedPath(p); session.HoldsCardNumber(got) {
			t.Errorf("redactedPath(%q) = %q, HoldsCardNumber = true; want false", p, got)
		}
	}
	// Text the rule takes, normalised and decoded, is logged as sent.
	for _, p := range []string{
		"/x/\uff15\uff10\uff05/off/4111", // ５０％: 50%
		"/x/\uff0b49/1512/3456787",       // ＋49: a phone number
		"/x/\uff05/34/111111111111111",   // ％ alone: no escape
	} {
		if session.HoldsCardNumber(p) {
			t.Fatalf("HoldsCardNumber(%q) = true; want false", p)
		}
		if got := redactedPath(p); got != p {
			t.Errorf("redactedPath(%q) = %q; want %q", p, got, p)
		}
	}
}

// TestLoggedPathHidesNormalisedThenDecodedCardNumbers: on real card
// numbers cut into segments, each digit as written or written so that
// only a reader normalising then decoding shows it (％34, %EF%BC%8534,
// \uff0534, ＼u0034), with '/' and '+' forms between groups, every path
// session.HoldsCardNumber reads a card number in is logged as one it
// reads none in. Before, a path of such digits cut by '/' was logged as
// sent (/x/％34111/1111/1111/1111).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestLoggedPathHidesNormalisedThenDecodedCardNumbers(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	cards := []string{"4111111111111111", "5555555555554444", "378282246310005"}
	seps := []string{"/", "/", "/\uff0b", "\uff0b", "\u207a", "\uff0520", "%EF%BC%8B", "%EF%BC%8520", "", ""}
	digit := func(r *rand.Rand, c byte) string {
		switch r.IntN(6) {
		case 0:
			return "\uff053" + string(c) // ％3c
		case 1:
			return "%EF%BC%853" + string(c) // ％ URL-encoded
		case 2:
			return `\uff053` + string(c) // ％ as a JSON escape
		case 3:
			return "\uff3cu003" + string(c) // ＼u003c
		}
		return string(c)
	}
	r := rand.New(rand.NewPCG(3, 4))
	n := 5000
	if testing.Short() {
		n = 1000
	}
	for range n {
		var b strings.Builder
		b.WriteString("/x/")
		c := cards[r.IntN(len(cards))]
		for i := 0; i < len(c); i++ {
			b.WriteString(digit(r, c[i]))
			if r.IntN(4) == 0 {
				b.WriteString(seps[r.IntN(len(seps))])
			}
		}
		p := b.String()
		if !session.HoldsCardNumber(p) {
			continue
		}
		if got := loggedPath(p); session.HoldsCardNumber(got) {
			t.Fatalf("loggedPath(%q) = %q, HoldsCardNumber = true; want false", p, got)
		}
	}
}
