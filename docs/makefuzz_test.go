package docs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeFuzzStopsWhenAPackageCannotListItsTargets: README says of make
// fuzz that a target Go's coordinator fails as FUZZTIME ends "is reported
// and the next target fuzzed; any other failure stops `make fuzz`". A
// package whose tests do not build cannot list its Fuzz targets: make fuzz
// skipped it without a word and passed, having fuzzed none of its targets.
// So too a module whose packages go list cannot name. Go here is a
// stand-in: `go list` and `go test -list` answer as the row says, and a
// fuzz run passes, so nothing is built.
func TestMakeFuzzStopsWhenAPackageCannotListItsTargets(t *testing.T) {
	makeBin, root := makeAndRoot(t)
	tests := []struct {
		name     string
		pkgs     string // the stand-in's answer to go list ./...
		list     string // the stand-in's answer to go test -list
		wantExit int
		wantFuzz bool // make fuzz ran go test -fuzz
	}{
		{"a module go list cannot read", "echo 'go: errors parsing go.mod' >&2; exit 1", "exit 0", 2, false},
		{"tests that do not build", "echo example.test/p; exit 0", "echo 'x_test.go:1:1: syntax error' >&2; echo 'FAIL\texample.test/p [setup failed]'; exit 1", 2, false},
		{"a Fuzz target", "echo example.test/p; exit 0", "printf 'FuzzX\\nok \\texample.test/p\\t0.01s\\n'; exit 0", 0, true},
		{"no test files", "echo example.test/p; exit 0", "printf '?   \\texample.test/p\\t[no test files]\\n'; exit 0", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := hostileDir(t)
			log := filepath.Join(dir, "go.log")
			writeScript(t, filepath.Join(dir, "go"), "#!/bin/sh\necho \"$*\" >>\"$FAKEGO_LOG\"\n"+
				"if [ \"$1\" = list ]; then "+tc.pkgs+"; fi\n"+
				"if [ \"$1 $3\" = \"test -list\" ]; then "+tc.list+"; fi\nexit 0\n")
			cmd := exec.Command(makeBin, "-s", "-C", root, "fuzz", "GO=go", "FUZZTIME=1s")
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
				name, _, _ := strings.Cut(kv, "=")
				return slices.Contains([]string{"PATH", "GO", "FUZZTIME", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}, name)
			})
			cmd.Env = append(cmd.Env, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKEGO_LOG="+log)
			out, err := cmd.CombinedOutput()
			exit := exitCode(t, err)
			if exit != tc.wantExit {
				t.Errorf("make fuzz exit: got %d; want %d\n%s", exit, tc.wantExit, out)
			}
			calls, _ := os.ReadFile(log)
			if fuzzed := strings.Contains(string(calls), "-fuzz ^FuzzX$"); fuzzed != tc.wantFuzz {
				t.Errorf("go test -fuzz run: got %v; want %v\n%s", fuzzed, tc.wantFuzz, calls)
			}
		})
	}
}
