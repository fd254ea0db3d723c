// Package racemode_test checks that Enabled is the build's and that
// OnlyWithoutDetector skips exactly under the detector.
package racemode_test

import (
	"runtime/debug"
	"testing"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestEnabledIsTheBuilds: Enabled is what the go command recorded for this
// binary (-race in its build settings), with the detector and without it.
func TestEnabledIsTheBuilds(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info in the test binary")
	}
	race := false
	for _, s := range info.Settings {
		if s.Key == "-race" {
			race = s.Value == "true"
		}
	}
	if racemode.Enabled != race {
		t.Errorf("Enabled got %v; want %v (the build's -race setting)", racemode.Enabled, race)
	}
}

// TestOnlyWithoutDetectorSkipsUnderIt: a test that calls it runs to its
// end without the detector and is skipped, not failed, with it.
func TestOnlyWithoutDetectorSkipsUnderIt(t *testing.T) {
	ran := false
	t.Run("plain", func(t *testing.T) {
		racemode.OnlyWithoutDetector(t)
		ran = true
	})
	if ran == racemode.Enabled {
		t.Errorf("with the detector %v the test ran to its end: got %v; want %v", racemode.Enabled, ran, !racemode.Enabled)
	}
}
