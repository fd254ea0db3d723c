package store

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

// TestListUnreadCostIsLinear: a listing that stops (its page or its answer
// full) puts the entries it took and did not consume back in front of
// their partitions' buffers. One at a time, that copied a buffer for each
// entry: a whole day's listing whose answer filled up put back up to
// listWindow entries in front of 16 buffers of up to a 1 MB index page
// each (some 3,500 entries of about 300 bytes): 65 MB of copies for 16
// buffers of 4,000, and 130 MB for 8,000, for one request. Putting a window back
// must cost at most a few copies of what is buffered (bytes allocated,
// measured in one run; no clock), and leave the buffers as they were.
func TestListUnreadCostIsLinear(t *testing.T) {
	const parts, perPart = 16, 4000
	r := &lister{}
	for p := range parts {
		lp := &listPart{}
		for i := range perPart {
			lp.buf = append(lp.buf, indexEntry{key: fmt.Sprintf("2026-11-30T10:00:00.%07dZ#%02d", i, p), id: fmt.Sprint(p, i), part: p})
		}
		r.parts = append(r.parts, lp)
	}
	before := make([][]indexEntry, parts)
	for i, p := range r.parts {
		before[i] = slices.Clone(p.buf)
	}
	window := r.take(listWindow)
	if len(window) != listWindow {
		t.Fatalf("take(%d) took %d entries", listWindow, len(window))
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	r.unread(window)
	runtime.ReadMemStats(&m1)
	buffered := uint64(parts*perPart) * uint64(unsafe.Sizeof(indexEntry{}))
	if got := m1.TotalAlloc - m0.TotalAlloc; got > 3*buffered {
		t.Errorf("putting back %d entries in front of %d buffered allocated %d bytes; want at most %d (three times what is buffered)", len(window), parts*perPart, got, 3*buffered)
	}
	for i, p := range r.parts {
		if !slices.Equal(p.buf, before[i]) {
			t.Fatalf("partition %d after take and unread: %d entries, first %v; want %d, first %v", i, len(p.buf), p.buf[0], len(before[i]), before[i][0])
		}
	}
}
