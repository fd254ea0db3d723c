package main

import (
	"crypto/sha256"
	"math"
	"os"
	"testing"
)

// TestProcCPUReadsUserAndSystemTime checks procCPU's reading of
// /proc/<pid>/stat against getrusage for this same process: if it read the
// wrong fields (children's time, a start time), the two would disagree.
func TestProcCPUReadsUserAndSystemTime(t *testing.T) {
	start := selfCPU()
	sum := sha256.Sum256(nil)
	for selfCPU()-start < 0.3 {
		for range 1000 {
			sum = sha256.Sum256(sum[:])
		}
	}
	got, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	want := selfCPU()
	// /proc counts in ticks of 10 ms (and may lag getrusage by a tick or
	// more), getrusage in microseconds, and the two reads are a moment
	// apart; want is at least 0.3 s, so a reading of zero or of another
	// field fails.
	if math.Abs(got-want) > 0.05 {
		t.Errorf("procCPU(self) = %.3f s; want %.3f s (getrusage)", got, want)
	}
}
