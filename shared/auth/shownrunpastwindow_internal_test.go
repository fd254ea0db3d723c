package auth

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestShownTextNeverShowsARunOpenPastTheJudgedWindow: README, Security: "a
// token, key, secret or card number never reaches a log". shownText judges
// the 4 KiB past its 1 KiB cut, but the card rule reads a run across any
// number of marks read as not there (U+0301) and invisible separators
// (U+200B): a kid of 1,009 bytes, then 15 digits of 4111111111111111, 5 KiB
// of them and the last digit was logged with the 15 digits shown
// (r93-review2), though the whole text holds the card number.
func TestShownTextNeverShowsARunOpenPastTheJudgedWindow(t *testing.T) {
	pad := strings.Repeat("a", 1009)
	for name, s := range map[string]string{
		"combining marks":   pad + "411111111111111" + strings.Repeat("\u0301", 3000) + "1",
		"zero-width spaces": pad + "411111111111111" + strings.Repeat("\u200b", 2000) + "1",
		"url-encoded":       pad + "4111%201111%201111%20111" + strings.Repeat("%E2%80%8B", 600) + "1",
		"json-escaped":      pad + "411111111111111" + strings.Repeat(`\u200b`, 900) + "1",
	} {
		if !session.HoldsCardNumber(s) {
			t.Fatalf("%s: the text holds no card number; the test is wrong", name)
		}
		if got := shownText(s); got != "[redacted]" {
			t.Errorf("%s: shownText = ...%q; want [redacted]", name, got[len(got)-60:])
		}
	}
	// A long text whose window past the cut ends every run is still shown.
	long := strings.Repeat("q", 20000)
	if got := shownText(long); got == "[redacted]" {
		t.Errorf("a 20,000-byte text of letters: [redacted]; want it shown cut")
	}
}

// TestShownTextOfContinuationBytesDoesNotPanic: a text over 1 KiB that
// starts with a long run of UTF-8 continuation bytes (no character's start
// before the judged window's end) panicked with index out of range [-1]:
// the judged window's end was walked back past the text's start
// (r93-review2). It is cut, never a panic.
func TestShownTextOfContinuationBytesDoesNotPanic(t *testing.T) {
	for _, s := range []string{strings.Repeat("\x80", 10000), strings.Repeat("\xbf", 2000)} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("shownText(%d continuation bytes) panicked: %v", len(s), r)
				}
			}()
			if got := shownText(s); len(got) > 2<<10 {
				t.Errorf("shownText: %d bytes; want it cut", len(got))
			}
		}()
	}
}
