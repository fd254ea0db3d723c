package httpapi

import (
	"runtime"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestLoggedPathOfShortSegmentsAllocatesNearItsSize: the log line's
// redaction of a path of many short segments outside NFKC, which any
// client may send to any route (an HTTP API delivers %252F as '/'),
// allocates near the path's size, not norm's buffers for each segment and
// each reading of it: a 9 KiB path of "½%252525" segments allocated 18 MB
// (r86-cost), 1,800 times its bytes, and cost 80 times the CPU of a path
// of ASCII segments.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestLoggedPathOfShortSegmentsAllocatesNearItsSize(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const size = 9000
	for _, seg := range []string{"\u00bd%252525", "\ufdfa", "\u00bd", "\u33e0", `\u00bd%255c`, "sessions"} {
		path := "/sessions/" + strings.Repeat(seg+"/", size/(len(seg)+1))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		loggedPath(path)
		runtime.ReadMemStats(&after)
		if got, max := after.TotalAlloc-before.TotalAlloc, uint64(200*len(path)); got > max {
			t.Errorf("the log line of a %d-byte path of %q segments allocated %d bytes; want at most %d (200 times the path)", len(path), seg, got, max)
		}
	}
}
