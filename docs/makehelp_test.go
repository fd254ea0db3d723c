package docs_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestMakeHelpIsOneTable: `make help` lists every target as one table, each
// description starting in the same column (the invoke-<fn> row, written
// apart from the others, was one column to the right).
func TestMakeHelpIsOneTable(t *testing.T) {
	out, err := exec.Command("make", "-s", "-C", "..", "help").CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	row := regexp.MustCompile(`^  (\S+)( +)\S`)
	column := -1
	rows := 0
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		m := row.FindStringSubmatchIndex(line)
		if m == nil {
			t.Errorf("make help line %q: want \"  <target>  <description>\"", line)
			continue
		}
		rows++
		if at := m[5]; column < 0 {
			column = at
		} else if at != column {
			t.Errorf("make help row %q: description at column %d; want %d", line[m[2]:m[3]], at, column)
		}
	}
	if rows < 2 {
		t.Errorf("make help: got %d rows; want the targets:\n%s", rows, out)
	}
}
