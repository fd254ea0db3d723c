package docs_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBenchDurationPointerIsRight: the README's `make bench` line and `make
// help`'s bench row tell a user where BENCHMARKS.md keeps the last run's
// duration ("several minutes", and how many the last run took). That is
// the line make bench writes under the title ("Measured by `make bench` on
// ...; the whole run took ..."), which is not the file's first line (the
// generated block's opening comment) nor its first text (the title): so
// each pointer must name that line, and BENCHMARKS.md must hold it.
func TestBenchDurationPointerIsRight(t *testing.T) {
	const pointer = "BENCHMARKS.md's \"Measured by\" line has the last run's"
	bench, err := os.ReadFile("../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines int
	for _, line := range strings.Split(string(bench), "\n") {
		if strings.HasPrefix(line, "Measured by `make bench` on ") && strings.Contains(line, "the whole run took ") {
			lines++
		}
	}
	if lines != 1 {
		t.Errorf("BENCHMARKS.md's \"Measured by\" lines with the run's duration: got %d; want 1", lines)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	help, err := exec.Command("make", "-s", "-C", "..", "help").CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, help)
	}
	for _, doc := range []struct{ name, text string }{{"README", string(readme)}, {"make help", string(help)}} {
		var row string
		for _, line := range strings.Split(doc.text, "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "make" && f[1] == "bench" || len(f) > 0 && f[0] == "bench" {
				row = line
				break
			}
		}
		if !strings.Contains(row, pointer) {
			t.Errorf("%s's make bench row %q names where the last run's duration is: got no %q; want it", doc.name, row, pointer)
		}
	}
}
