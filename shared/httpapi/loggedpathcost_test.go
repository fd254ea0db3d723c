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
//
// One call is measured, and what loggedPath's sync.Pools (splitPieceBufs,
// markCuts, session's nfkcIters) hold decides part of its count: two
// collections first empty them (a pool keeps what it held through one, in
// its victim cache), so that no earlier test's calls count. The same
// "½%252525" path still cost 1.43 to 1.62 MB a call (r103-flakes7: 30
// runs alone, 30 in make test's order, and after a call on a path eight
// times as long), and `\u00bd%255c` 1.12 to 1.36 MB, against the 1.80 MB
// of 200 times the path that this test wanted (1.11 times the most: a
// margin a few pool misses cross). The bound is 300 times the path (2.7
// MB, 1.67 times the most measured); the cost it exists for, a norm.Iter
// (over a kilobyte) made for each text judged, is 1,400 to 3,300 times
// the path (12.8 to 30 MB on these paths; 18 MB before r86-cost).
func TestLoggedPathOfShortSegmentsAllocatesNearItsSize(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const size = 9000
	for _, seg := range []string{"\u00bd%252525", "\ufdfa", "\u00bd", "\u33e0", `\u00bd%255c`, "sessions"} {
		path := "/sessions/" + strings.Repeat(seg+"/", size/(len(seg)+1))
		if got, max := loggedPathAllocated(path), uint64(300*len(path)); got > max {
			t.Errorf("the log line of a %d-byte path of %q segments allocated %d bytes; want at most %d (300 times the path)", len(path), seg, got, max)
		}
	}
}

// loggedPathAllocated is what one loggedPath(path) allocates, in bytes,
// its pools emptied first (TestLoggedPathOfShortSegmentsAllocatesNearItsSize
// says why).
func loggedPathAllocated(path string) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // the pools' victim caches too
	runtime.ReadMemStats(&before)
	loggedPath(path)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestLoggedPathOfOneLongSegmentIsNotNormalisedWhole: a path of one long
// segment outside NFKC, which any client may send to any route before its
// credentials are judged (a 401's log line redacts it), is redacted
// without normalising it whole: the segment is redacted for its length
// (mayHoldCredential), and every later search reads it as [redacted], but
// the path as written was normalised whole for the gate of
// redactNormalisedDecodings and again in normalisedEscapes, which only a
// character that normalises to an escape needs (session.NormalisesToEscape,
// read first now). That cost
// a 9 KiB segment of U+FDFA (18 characters each in NFKC) 1 MB and 7 to 25
// ms, 300 to 1,000 times a typical 401 (r111-cost); it now costs the
// redacted line, under a kilobyte. The bound is the path's own size: one
// normal form of the segment is larger (U+FDFA 11 times, ½ 1.7 times).
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestLoggedPathOfOneLongSegmentIsNotNormalisedWhole(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	const size = 9000
	for _, unit := range []string{"\ufdfa", "\u00bd", "\u33e0", "\u3250", "\ufb01"} {
		path := "/sessions/" + strings.Repeat(unit, size/len(unit))
		if got, max := loggedPathAllocated(path), uint64(len(path)); got > max {
			t.Errorf("the log line of a %d-byte path of one segment of %+q allocated %d bytes; want at most %d (the path's size)", len(path), unit, got, max)
		}
	}
}
