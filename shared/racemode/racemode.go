// Package racemode says whether a test binary was built with Go's race
// detector, so that make test can run the tests that gain nothing from it
// in its second pass, built without it.
//
// The detector finds data races: memory that two goroutines touch with
// nothing ordering them. A test that starts no goroutine and calls nothing
// that does (an exhaustive check of a pure function, a model that only
// computes, a scan of files) gives it nothing to find, and it makes such a
// test three to ten times slower: in make test's race pass a handful of
// them took a quarter of the whole. Nor does a test at a scale a document
// names (a flood of 44,000 hostile tokens, a list the size of the Lambda
// response quota) whose concurrent parts smaller tests run concurrently
// under the detector: what the detector needs is two goroutines touching
// the same memory unordered, which the smaller tests bring about (each
// shown failing under it on a race planted in the code it covers), where
// the scale adds only more of the same code, run more often. Such a test calls OnlyWithoutDetector first and is named in the
// Makefile's PLAIN_TESTS, which make test runs after its race pass with
// the detector off. Its doc comment says why: it "starts no goroutine", or
// its concurrency "is checked under the detector by" the tests it names
// (the heat model's workers by TestHeatWorkersChangeNoCount). docs'
// TestPlainTestsAreTheMakefiles holds the list, the calls and the reasons
// to each other, so none is skipped in both passes and none without one.
package racemode

import "testing"

// OnlyWithoutDetector skips t in a binary built with the race detector:
// make test runs t in its pass without it (the Makefile's PLAIN_TESTS).
// Built without it (make test's second pass, make test-short, a plain go
// test), t runs.
func OnlyWithoutDetector(t testing.TB) {
	t.Helper()
	if Enabled {
		t.Skip("make test runs this test in its pass without the race detector (PLAIN_TESTS in the Makefile): it starts no goroutine, so the detector has nothing to find in it, and it is several times slower under it")
	}
}
