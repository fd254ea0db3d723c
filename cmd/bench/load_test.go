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

// TestP50RatioComparesMediansAndRounds: the ratio is of the two medians,
// and the spread is each round against its own round, not the extremes of
// either side.
func TestP50RatioComparesMediansAndRounds(t *testing.T) {
	runs := func(p50s ...float64) []loadResult {
		var out []loadResult
		for _, p := range p50s {
			out = append(out, loadResult{p50: p})
		}
		return out
	}
	tests := []struct {
		name string
		a, b []loadResult
		want string
	}{
		{"one round", runs(12), runs(10), "1.20× (rounds 1.20–1.20)"},
		{"rounds paired in order", runs(11, 30, 12), runs(10, 20, 10), "1.20× (rounds 1.10–1.50)"},
		{"faster than the peer", runs(9, 8, 10), runs(10, 10, 10), "0.90× (rounds 0.80–1.00)"},
	}
	for _, tt := range tests {
		if got := p50Ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: p50Ratio = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestLoadErrorsCountTheWarmUp: issue 6's load budget is "0 errors". The
// warm-up run is the local server under the same load (its latencies are
// not recorded, because a fresh engine is slow), so an error it answered
// is an error under load like any other: a server that fails while the
// engine warms up must not pass.
func TestLoadErrorsCountTheWarmUp(t *testing.T) {
	clean := []loadResult{{requests: 100}, {requests: 100}}
	tests := []struct {
		name     string
		warm     loadResult
		runs     []loadResult
		measured string
		passes   bool
	}{
		{"no errors", loadResult{requests: 50}, clean, "0", true},
		{"errors in the warm-up only", loadResult{requests: 50, errors: 3}, clean, "3", false},
		{"errors in a round", loadResult{requests: 50}, []loadResult{{requests: 100, errors: 1}, {requests: 100}}, "1", false},
	}
	for _, tt := range tests {
		r := loadErrorsRow(tt.warm, tt.runs)
		if r.Measured != tt.measured || *r.Pass != tt.passes {
			t.Errorf("%s: errors row %q, pass %v; want %q, pass %v", tt.name, r.Measured, *r.Pass, tt.measured, tt.passes)
		}
	}
	if r := loadErrorsRow(loadResult{requests: 50}, clean); r.Figure != "errors under load (250 requests, the warm-up's included)" {
		t.Errorf("figure %q; want the requests of every run, the warm-up's included", r.Figure)
	}
}
