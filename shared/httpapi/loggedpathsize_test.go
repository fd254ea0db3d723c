package httpapi

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
)

// TestLoggedPathIsBounded: a log line must stay bounded whatever the
// client sends. A path of short segments passes every segment rule, and
// the local server takes a request line up to 1 MB (net/http's header
// limit), API Gateway's up to 10 KB: the path logged is at most
// maxLoggedPath bytes and a mark, and a cut never leaves part of a card
// number written across segments (the segments it touches are redacted
// before the cut). A path redacted whole grows: a one-digit segment of a
// card number written across segments becomes [redacted], ten times
// longer.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestLoggedPathIsBounded(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // redacts a 600 KB path and others: run without the race detector (PLAIN_TESTS)
	card := "/4111/1111/1111/1111"
	tests := []struct {
		name, path string
	}{
		{"short segments, 600 KB", strings.Repeat("/a", 300000)},
		{"ids, 10 KB", strings.Repeat("/00000000-0000-4000-8000-000000000001", 270)},
		{"a card across the cut", strings.Repeat("/a", maxLoggedPath/2-6) + card + strings.Repeat("/b", 100)},
		{"cards everywhere", strings.Repeat(card, 500)},
		{"one digit a segment", strings.Repeat("/4/1/1/1", 2000)},
		{"multi-byte characters", strings.Repeat("/é€𝄞", 1000)},
	}
	for _, tt := range tests {
		got := loggedPath(tt.path)
		if len(got) > maxLoggedPath+len("/... [truncated: 1048576 bytes]") {
			t.Errorf("%s: logged %d bytes of a %d-byte path; want at most %d and the mark", tt.name, len(got), len(tt.path), maxLoggedPath)
		}
		if session.HoldsCardNumber(got) {
			t.Errorf("%s: logged %q; want no card number", tt.name, got)
		}
		if !strings.Contains(got, "[truncated: ") {
			t.Errorf("%s: logged %.80q...; want the cut marked", tt.name, got)
		}
	}
}

// TestLoggedPathIsCutAtOneKiB holds the bound to README's own figure: "A
// path longer than 1 KiB once redacted is logged as its first whole
// segments within 1 KiB and `/... [truncated: N bytes]`". The figures are
// written here, not read from maxLoggedPath, so that a change to the
// constant fails until README says so too.
func TestLoggedPathIsCutAtOneKiB(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"1 KiB exactly: whole", strings.Repeat("/a", 512), strings.Repeat("/a", 512)},
		{"1 KiB and a segment: cut", strings.Repeat("/a", 513), strings.Repeat("/a", 512) + "/... [truncated: 1026 bytes]"},
		{"a segment across 1 KiB: cut before it", strings.Repeat("/a", 511) + "/bcd", strings.Repeat("/a", 511) + "/... [truncated: 1026 bytes]"},
		{"a segment ending within 1 KiB: kept", strings.Repeat("/a", 510) + "/bc/d", strings.Repeat("/a", 510) + "/bc" + "/... [truncated: 1025 bytes]"},
	}
	for _, tt := range tests {
		if got := loggedPath(tt.path); got != tt.want {
			t.Errorf("%s: got %.60q… (%d bytes); want %.60q… (%d bytes)", tt.name, got, len(got), tt.want, len(tt.want))
		}
	}
}
