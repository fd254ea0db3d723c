package docs_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeTestSaysWhenCgoIsOff: make test runs every test "under the race
// detector (`-race`)" (README), and go test -race needs cgo, which Go
// turns off by itself when it finds no C compiler (gcc) on PATH: on a
// fresh machine with Go, Java and make, README's prerequisites, make test
// failed only after its engine had started, with "go: -race requires cgo;
// enable cgo by setting CGO_ENABLED=1", and setting that failed again for
// want of gcc. make test must stop before it builds or starts anything,
// and go on when cgo is on. Go here is a stand-in that answers `go env`
// as the real one does and records every other command without running
// it, so no test runs, and a C compiler is a stand-in gcc on PATH (Go only
// looks it up).
func TestMakeTestSaysWhenCgoIsOff(t *testing.T) {
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	makeBin, root := makeAndRoot(t)
	tests := []struct {
		name     string
		gcc      bool   // a gcc on PATH
		cgo      string // CGO_ENABLED, "" unset
		wantExit int
		wantRun  bool // make test reached its engine's go run
	}{
		{"no C compiler on PATH", false, "", 2, false},
		{"CGO_ENABLED=0 with a C compiler", true, "0", 2, false},
		{"a C compiler on PATH", true, "", 0, true},
		{"CGO_ENABLED=1", true, "1", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := hostileDir(t)
			bin := filepath.Join(dir, "bin")
			if err := os.Mkdir(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			// The recipe's own tools, and no gcc unless the row has one.
			for _, tool := range []string{"sh", "mktemp", "rm"} {
				p, err := exec.LookPath(tool)
				if err != nil {
					t.Fatalf("%s is not on PATH: %v", tool, err)
				}
				if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
					t.Fatal(err)
				}
			}
			if tc.gcc {
				writeScript(t, filepath.Join(bin, "gcc"), "#!/bin/sh\nexit 1\n")
			}
			log := filepath.Join(dir, "go.log")
			writeScript(t, filepath.Join(bin, "go"), "#!/bin/sh\necho \"$*\" >>\"$FAKEGO_LOG\"\n"+
				"if [ \"$1\" = env ]; then exec \"$REAL_GO\" \"$@\"; fi\nexit 0\n")

			cmd := exec.Command(makeBin, "-s", "-C", root, "test", "GO=go")
			// This process's environment but for PATH, cgo's own variables and
			// a make running this test (make test does).
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
				name, _, _ := strings.Cut(kv, "=")
				return slices.Contains([]string{"PATH", "CGO_ENABLED", "CC", "GO", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}, name)
			})
			cmd.Env = append(cmd.Env, "PATH="+bin, "FAKEGO_LOG="+log, "REAL_GO="+realGo)
			if tc.cgo != "" {
				cmd.Env = append(cmd.Env, "CGO_ENABLED="+tc.cgo)
			}
			out, err := cmd.CombinedOutput()
			exit := exitCode(t, err)
			if exit != tc.wantExit {
				t.Errorf("make test exit: got %v; want %v\n%s", exit, tc.wantExit, out)
			}
			calls, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
			ran := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "run ./cmd/dynamodb-local") })
			built := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "build ") })
			if ran != tc.wantRun || built != tc.wantRun {
				t.Errorf("make test built: %v, started its engine: %v; want %v for both", built, ran, tc.wantRun)
			}
		})
	}
}

// hostileDir is a new folder whose name a shell or make would misread
// unquoted (a space, quotes, $, *, a letter beyond ASCII), for the stand-in
// go and its log: with them in TMPDIR ("t m p ü"), GO=<its path> reached
// make's recipes split at the space, and the tests failed.
func hostileDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), `a b ü $x 'q' "d" *`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// makeAndRoot is make's path and the repository's root, for tests that run
// the Makefile's recipes with a stand-in go.
func makeAndRoot(t *testing.T) (makeBin, root string) {
	t.Helper()
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatalf("make is not on PATH: %v", err)
	}
	if root, err = filepath.Abs(".."); err != nil {
		t.Fatal(err)
	}
	return makeBin, root
}

// exitCode is the exit code of a command that ended with err, which must
// have run.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("make: %v", err)
	}
	return 0
}
