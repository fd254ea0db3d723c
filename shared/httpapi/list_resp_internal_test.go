package httpapi

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestWholeDayPlainBodyIsCountedToTheByte holds a whole day's plain body to
// README's "One response": "The list keeps 8 KiB for the rest and counts the
// body exactly as Lambda will" — the JSON array, its brackets and commas
// included, escaped as a JSON string ("`\"` for each of the records'
// quotes"). A body of exactly maxEncodedBody bytes so counted is taken, one
// byte more is not: a day one record too large is refused
// (LIST_TOO_LARGE), never answered past what Lambda returns.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestWholeDayPlainBodyIsCountedToTheByte(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // fills bodies to the invoke response quota: run without the race detector (PLAIN_TESTS)
	digits := func(n int) []byte { return bytes.Repeat([]byte{'1'}, n) }
	quotes := func(n int) []byte { return bytes.Repeat([]byte{'"'}, n) } // each counts 2
	tests := []struct {
		name string
		recs [][]byte
		want bool // the last record is taken
	}{
		{"[ one record ] is exactly the limit", [][]byte{digits(maxEncodedBody - 2)}, true},
		{"[ one record ] is one byte over", [][]byte{digits(maxEncodedBody - 1)}, false},
		{"[ a , b ] is exactly the limit", [][]byte{digits(1000), digits(maxEncodedBody - 1003)}, true},
		{"[ a , b ] is one byte over", [][]byte{digits(1000), digits(maxEncodedBody - 1002)}, false},
		{"escaped quotes are exactly the limit", [][]byte{quotes((maxEncodedBody - 2) / 2)}, true},
		{"escaped quotes are two bytes over", [][]byte{quotes((maxEncodedBody-2)/2 + 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newListBody(false, false)
			var took bool
			for _, rec := range tt.recs {
				took = b.add(rec)
			}
			if took != tt.want || b.full == tt.want {
				t.Errorf("last record taken: got %v (full %v); want %v", took, b.full, tt.want)
			}
			body, err := b.finish()
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonStringLen(body); tt.want && got != maxEncodedBody {
				t.Errorf("body as counted in the invoke response: got %d bytes; want %d (exactly the limit)", got, maxEncodedBody)
			}
		})
	}
}

// TestBase64LenIsPaddedBase64: README's "One response": a gzip body travels
// as "base64 (4/3 of the bytes)" — standard, padded base64, which the
// adapter writes (encoding/base64.StdEncoding), so a gzip body's cost is
// counted with its padding.
func TestBase64LenIsPaddedBase64(t *testing.T) {
	for n := 0; n <= 64; n++ {
		if got, want := base64Len(n), base64.StdEncoding.EncodedLen(n); got != want {
			t.Errorf("base64Len(%d): got %d; want %d", n, got, want)
		}
	}
	if got, want := base64Len(maxEncodedBody), base64.StdEncoding.EncodedLen(maxEncodedBody); got != want {
		t.Errorf("base64Len(%d): got %d; want %d", maxEncodedBody, got, want)
	}
}

// TestPageBoundCountsGzipsWorstCase: a page "takes a record only if the
// page would fit whatever the encoding — as an escaped plain body, and as
// the base64 of gzip's worst case (incompressible bytes) — so page
// boundaries, and the cursors in the Links, do not depend on
// Accept-Encoding" (listBody). A page whose JSON fits as base64 only
// without gzip's stored-block overhead (gzipBound) is one record too many
// for an incompressible gzip answer, and one that fits as base64 but not as
// an escaped plain body (a quote counts two) is one too many for a plain
// answer: counted to the byte, its closing bracket included, as README's
// "One response" counts ("counts the body exactly as Lambda will").
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestPageBoundCountsGzipsWorstCase(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	digits := func(n int) []byte { return bytes.Repeat([]byte{'1'}, n) }
	atBase64Limit := maxEncodedBody / 4 * 3                              // raw bytes whose padded base64 is at most maxEncodedBody
	quotes := func(n int) []byte { return bytes.Repeat([]byte{'"'}, n) } // each counts 2 as a JSON string
	// The longest second record whose page, "[1," rec "]", fits as the
	// base64 of gzip's worst case: the bound counts every byte written,
	// the opening bracket and the first record too.
	atGzipLimit := 0
	for base64Len(gzipBound(atGzipLimit+1+4)) <= maxEncodedBody {
		atGzipLimit++
	}
	tests := []struct {
		name string
		rec  []byte // the second record; the page's JSON is "[" "1" "," rec "]"
		want bool
	}{
		{"its base64 fits only without gzip's overhead", digits(atBase64Limit - 4), false},
		{"its base64 fits with gzip's overhead", digits(atBase64Limit - 2004), true},
		{"gzip's worst case as base64 is exactly within the limit", digits(atGzipLimit), true},
		{"gzip's worst case as base64 is one byte past the limit", digits(atGzipLimit + 1), false},
		{"its escaped plain body is two bytes over", quotes((maxEncodedBody-4)/2 + 1), false},
		{"its escaped plain body is exactly the limit", quotes((maxEncodedBody - 4) / 2), true},
		{"its escaped plain body is one byte over", append(quotes((maxEncodedBody-4)/2), '1'), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, gzipped := range []bool{false, true} {
				b := newListBody(gzipped, true)
				if !b.add(digits(1)) {
					t.Fatal("a page refused its first record")
				}
				if got := b.add(tt.rec); got != tt.want {
					t.Errorf("gzip %v: second record taken: got %v; want %v", gzipped, got, tt.want)
				}
			}
		})
	}
}

// TestWholeDayGzipStopsOnceFull: a whole day "takes records until the body
// as sent would not fit: ... for gzip, until the compressed bytes so far
// would not" (listBody). A day of incompressible records is refused as
// soon as its gzip body, as base64, is past the limit (add reports false
// and marks the body full, so the day is LIST_TOO_LARGE), rather than
// compressed to its end; and finish judges the whole body once more.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestWholeDayGzipStopsOnceFull(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // computes only: run without the race detector (PLAIN_TESTS)
	rng := rand.New(rand.NewPCG(1, 2))
	rec := make([]byte, 64<<10)
	limit := maxEncodedBody / 4 * 3 / len(rec) // records whose raw bytes fit as base64
	b := newListBody(true, false)
	taken := 0
	for range 4 * limit {
		for i := range rec {
			rec[i] = byte(rng.Uint32())
		}
		if !b.add(rec) {
			break
		}
		taken++
	}
	if !b.full || taken > limit+2 {
		t.Errorf("incompressible whole day: took %d records of %d bytes (full %v); want at most %d, then full", taken, len(rec), b.full, limit+2)
	}
	if got := base64Len(b.out.Len()); got > maxEncodedBody+base64Len(len(rec))*2 {
		t.Errorf("gzip body so far as base64: got %d bytes; want about %d at most", got, maxEncodedBody)
	}
	// The same records again: each is taken, the compressed bytes so far
	// being within the limit, but the whole body, its last bytes known only
	// at finish ("A whole-day gzip body is checked once more"), is over it:
	// the day is full, never answered past what Lambda returns.
	rng = rand.New(rand.NewPCG(1, 2))
	b = newListBody(true, false)
	for range taken {
		for i := range rec {
			rec[i] = byte(rng.Uint32())
		}
		if !b.add(rec) {
			t.Fatal("a record taken before was refused")
		}
	}
	body, err := b.finish()
	if err != nil {
		t.Fatal(err)
	}
	if over := base64Len(len(body)) > maxEncodedBody; !over || !b.full {
		t.Errorf("%d records finished: %d bytes as base64 (over the limit: %v), full %v; want over and full", taken, base64Len(len(body)), over, b.full)
	}
}

// TestWholeDayGzipBodyIsCountedToTheByte is the gzip side of README's
// "One response" ("counts the body exactly as Lambda will"): a whole-day
// gzip body travels as base64, and one whose base64 is exactly
// maxEncodedBody bytes is answered, while one gzip byte more (a base64
// quantum past it) is LIST_TOO_LARGE. finish judges the whole body, its
// last bytes known only then. The record is incompressible (stored
// blocks: the gzip bytes grow one for one with it), its length found by
// trying. The test starts no goroutine.
func TestWholeDayGzipBodyIsCountedToTheByte(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // compresses 4.5 MB a few times, sequential: run without the race detector (PLAIN_TESTS)
	rec := make([]byte, maxEncodedBody/4*3)
	_, _ = rand.NewChaCha8([32]byte{3, 4}).Read(rec)
	type result struct {
		size int
		full bool
	}
	tried := map[int]result{}
	gzipped := func(n int) (int, bool) {
		if r, ok := tried[n]; ok {
			return r.size, r.full
		}
		b := newListBody(true, false)
		if !b.add(rec[:n]) {
			t.Fatalf("a whole day refused its first record (%d bytes)", n)
		}
		body, err := b.finish()
		if err != nil {
			t.Fatal(err)
		}
		tried[n] = result{len(body), b.full}
		return len(body), b.full
	}
	atLimit := maxEncodedBody / 4 * 3 // the most gzip bytes whose base64 is maxEncodedBody
	n := len(rec) - 2000
	for range 3 {
		got, _ := gzipped(n)
		if got == atLimit {
			break
		}
		n += atLimit - got
	}
	for _, tt := range []struct {
		n        int
		wantFull bool
	}{{n, false}, {n + 1, true}} {
		got, full := gzipped(tt.n)
		if want := atLimit + tt.n - n; got != want {
			t.Fatalf("a record of %d bytes: gzip body of %d bytes; want %d (the search missed)", tt.n, got, want)
		}
		if full != tt.wantFull {
			t.Errorf("gzip body of %d bytes (%d as base64, limit %d): full got %v; want %v", got, base64Len(got), maxEncodedBody, full, tt.wantFull)
		}
	}
}

// TestGzipBoundHoldsGzipsWorstCase: gzipBound "is the most bytes gzip
// makes of n bytes", so that a page judged by it fits "as the base64 of
// gzip's worst case (incompressible bytes)" (listBody). Incompressible
// bytes written through a page's own gzip writer never come out longer
// than gzipBound says, at every block edge and at a megabyte.
//
// It starts no goroutine, so make test runs it in its pass without the
// race detector (PLAIN_TESTS).
func TestGzipBoundHoldsGzipsWorstCase(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // compresses a megabyte and more: run without the race detector (PLAIN_TESTS)
	src := make([]byte, 1<<20+1)
	_, _ = rand.NewChaCha8([32]byte{5, 6}).Read(src)
	for _, n := range []int{0, 1, 100, 16383, 16384, 16385, 65535, 65536, 65537, 1 << 20, 1<<20 + 1} {
		b := newListBody(true, true)
		b.write(src[:n])
		if err := b.gz.Close(); err != nil {
			t.Fatal(err)
		}
		if got, bound := b.out.Len(), gzipBound(b.raw); got > bound {
			t.Errorf("%d incompressible bytes (and the opening bracket): gzip made %d bytes; want at most gzipBound's %d", n, got, bound)
		}
	}
}
