package main

import (
	"io"
	"os"
	"testing"
)

// TestAFailedRunRemovesItsWorkFolder: a run makes a folder under TMPDIR for
// what it builds (every bootstrap, twice: linux/arm64 and this machine's)
// and removes it when it ends. A run that fails must too: it exited with
// os.Exit(1), which runs no deferred call, so every run with a **FAIL** row
// (README: "`make bench` exits 1 only for a **FAIL** row", as the load
// budget is on the 2-core machine) left its folder behind. A part name
// that does not exist fails the run at once, building nothing.
func TestAFailedRunRemovesItsWorkFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stdout := os.Stdout
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	os.Stdout = null
	code := run([]string{"-only", "no-such-part", "-out", ""}, io.Discard)
	os.Stdout = stdout
	if code != 1 {
		t.Errorf("exit code: got %d; want 1", code)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("TMPDIR after the run: got %d entries (%s); want none", len(left), left[0].Name())
	}
}
