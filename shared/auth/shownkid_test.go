package auth_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lestrrat-go/jwx/v3/jwa"
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
			entry := fmt.Sprintf(`{"kty":"foo","kid":%q}`, c.kid)
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
			shown := got[0]
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
