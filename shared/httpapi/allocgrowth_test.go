package httpapi

import (
	"runtime"
	"testing"
)

// growthFactor is how many times larger allocationGrowth's second input is
// than its first: a cost linear in the input's size grows about as much,
// one of its square 256 times. maxGrowth is what a linear cost may grow:
// a pooled buffer taken from a larger call spares a small call its
// growing, so a linear cost's bytes a byte still vary about twice
// (loggedPath: 23 at 8 KiB, 32 at 128 KiB, 41 at 512 KiB; under the race
// detector 25, 42, 52).
const (
	growthFactor = 16
	maxGrowth    = 4 * growthFactor
)

// allocationGrowth is how many times more bytes call allocates on an
// input of growthFactor times size bytes than on one of size bytes, each
// the mean over rounds calls, the two inputs called in turn (ABAB...).
//
// One call of each is no measure: what a sync.Pool kept from an earlier
// call decides part of a call's count (loggedPath's pools made the same
// 8 KiB path cost 124 KB or 225 KB, and the race detector drops a quarter
// of what is put back at random), so the ratio of single calls at twice
// the size ranged from 1.8 to 4.0 though the cost is linear, and a test
// wanting at most 3 failed by chance. A mean over rounds, at sixteen
// times the size, sets linear (16, up to maxGrowth) far apart from a
// square (256).
func allocationGrowth[T any](t *testing.T, input func(size int) T, call func(T), size, rounds int) float64 {
	t.Helper()
	inputs := [2]T{input(size), input(growthFactor * size)}
	var sums [2]uint64
	var before, after runtime.MemStats
	for range rounds {
		for i := range inputs {
			runtime.GC()
			runtime.ReadMemStats(&before)
			call(inputs[i])
			runtime.ReadMemStats(&after)
			sums[i] += after.TotalAlloc - before.TotalAlloc
		}
	}
	if sums[0] == 0 {
		t.Fatalf("allocated nothing on %d calls of %d bytes; want a count to compare", rounds, size)
	}
	ratio := float64(sums[1]) / float64(sums[0])
	t.Logf("%d calls each: %d bytes a call at %d bytes, %d at %d: %.2f times", rounds, sums[0]/uint64(rounds), size, sums[1]/uint64(rounds), growthFactor*size, ratio)
	return ratio
}
