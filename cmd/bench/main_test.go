package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestAPartThatStopsIsAFailureInTheReport: a part that stops with an
// error (hey not installable, the engine gone) measured nothing after the
// error, so the report written from the run must not read as if every
// budget were met: the part appears in the table as a failure, with its
// error, beside the rows it measured before it stopped, and the run fails.
func TestAPartThatStopsIsAFailureInTheReport(t *testing.T) {
	s := &suite{log: io.Discard}
	failed := s.runParts([]part{
		{"heat", func(s *suite) error {
			s.add(row{Part: "heat", Figure: "measured before the error", Budget: "< 1", Measured: "0", Pass: pass(true)})
			return errors.New("model stopped\nsecond line | with a pipe")
		}},
		{"sweep", func(s *suite) error { return nil }},
	}, "")
	if !failed {
		t.Errorf("runParts = not failed; want failed")
	}
	report := s.markdown(0)
	var fails []string
	for _, l := range strings.Split(report, "\n") {
		if strings.HasSuffix(l, "| **FAIL** |") {
			fails = append(fails, l)
		}
	}
	if len(fails) != 1 || !strings.HasPrefix(fails[0], "| heat | ") || !strings.Contains(fails[0], "model stopped") {
		t.Errorf("report's failed rows %q; want one row of part heat naming its error\n%s", fails, report)
	}
	if strings.Count(report, "\n| heat |") != 2 {
		t.Errorf("report:\n%s\nwant the row measured before the error and the error's row", report)
	}
	// The error's text stays on one table row.
	for _, l := range strings.Split(report, "\n") {
		if strings.HasPrefix(l, "second line") || strings.Count(l, "|")-strings.Count(l, `\|`) > 6 {
			t.Errorf("report line %q: the error broke the table", l)
		}
	}
}
