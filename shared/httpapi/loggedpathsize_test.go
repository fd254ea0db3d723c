package httpapi

import (
	"strings"
	"testing"

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
func TestLoggedPathIsBounded(t *testing.T) {
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
