package auth_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestSkippedKidIsShownCutAtACharacter: README, Security: "A JWKS answer's
// own text (its status line's reason phrase, a parse error quoting its
// document, a skipped key's `kid`) is logged cut to 1 KiB". A kid of 1 KiB
// or less is logged whole (one of exactly 1,024 bytes was cut, reading a
// byte past its end: mutant len(s) < maxShownText); a longer one is cut at
// most 1 KiB in, at the start of the character that crosses it, so the line
// shows every whole character before it and no piece of one (a cut in the
// middle of "é" logged U+FFFD; one that backed off to the text's start
// logged nothing of the kid).
func TestSkippedKidIsShownCutAtACharacter(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	for _, c := range []struct {
		name  string
		kid   string
		shown int // bytes of kid the line shows, then nothing more of it
	}{
		{"1 KiB", strings.Repeat("q", 1<<10), 1 << 10},
		{"1 KiB and a byte", strings.Repeat("q", 1<<10+1), 1 << 10},
		{"a 2-byte character across 1 KiB", strings.Repeat("q", 1<<10-1) + strings.Repeat("é", 600), 1<<10 - 1},
		{"a 3-byte character across 1 KiB", "qq" + strings.Repeat("€", 400), 1<<10 - 2},
		{"2-byte characters ending at 1 KiB", strings.Repeat("é", 600), 1 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			shown := skippedKidShown(t, good, c.kid)
			common := 0
			for common < len(shown) && common < len(c.kid) && shown[common] == c.kid[common] {
				common++
			}
			if common != c.shown {
				t.Errorf("bytes of the kid shown: got %d (%.40q...); want %d", common, shown, c.shown)
			}
			if c.shown == len(c.kid) && shown != c.kid {
				t.Errorf("kid shown: got %.40q... (%d bytes); want the kid whole (%d bytes)", shown, len(shown), len(c.kid))
			}
			if !utf8.ValidString(shown) || strings.ContainsRune(shown, utf8.RuneError) {
				t.Errorf("kid shown: got %.40q... with a piece of a character; want whole characters only", shown[common:])
			}
		})
	}
}

// TestSkippedKidNeverShowsACardNumberCutByTheBound: README, Security: a
// JWKS answer's text "is logged cut to 1 KiB ... Such a text that holds a
// card number, an API key (`psk_`) or what may be a JWT (`eyJ`) is logged
// as `[redacted]`". Only the part shown was judged, so a card number
// crossing the 1 KiB cut left its first digits in the line: a kid of 1,009
// bytes and 4111111111111111 logged "...a411111111111111... [truncated]",
// 15 of the 16 digits, the last one Luhn's check digit (r93-logs). The
// text around the cut is judged too, as a panic's value is ("its first
// digits never reach the log").
func TestSkippedKidNeverShowsACardNumberCutByTheBound(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	for _, pan := range []string{"4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444"} {
		for _, pad := range []int{1<<10 - len(pan) + 1, 1<<10 - 12, 1<<10 - 4} {
			kid := strings.Repeat("q", pad) + pan
			t.Run(fmt.Sprintf("%s after %d bytes", pan, pad), func(t *testing.T) {
				if shown := skippedKidShown(t, good, kid); shown != "[redacted]" {
					t.Errorf("kid shown: got ...%q; want [redacted] (the kid holds a card number across the 1 KiB cut)", shown[pad-8:])
				}
			})
		}
	}
}

// skippedKidShown is the kid the one "JWKS key skipped" line shows for a
// set of good's key and an unusable entry named kid, whose token verifies.
func skippedKidShown(t *testing.T, good *devtoken.Issuer, kid string) string {
	t.Helper()
	entry := fmt.Sprintf(`{"kty":"foo","kid":%q}`, kid)
	logs, err := verifyUnder(t, withKeys(t, good, entry), good)
	if err != nil {
		t.Fatalf("Verify(token of the set's good key) = %v; want it verified", err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct{ Msg, Kid string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "JWKS key skipped" {
			got = append(got, l.Kid)
		}
	}
	if len(got) != 1 {
		t.Fatalf("skip lines: got %d (%s); want 1", len(got), logs.String())
	}
	return got[0]
}
