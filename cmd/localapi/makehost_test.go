package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMakeRunBuildsForThisMachine: make run and make start-api build a
// program and run it here, so they build it for this machine whatever
// GOOS and GOARCH the user's shell exports (left from a cross-compile).
// Before, GOOS=darwin make run compiled every module for macOS (minutes,
// silent: bin/localapi existed) and then stopped with `./bin/localapi:
// cannot execute binary file: Exec format error` (r92-fresh). A go that
// records its environment and fails the build stands in for Go.
func TestMakeRunBuildsForThisMachine(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not on PATH (README's prerequisite): %v", err)
	}
	for _, target := range []string{"run", "start-api"} {
		t.Run(target, func(t *testing.T) {
			dir := t.TempDir()
			record := filepath.Join(dir, "build-env")
			fakeGo := filepath.Join(dir, "go")
			script := "#!/bin/sh\n[ \"$1\" = build ] || exit 0\necho \"$GOOS/$GOARCH\" >" + record + "\nexit 3\n"
			if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("make", "--no-print-directory", "-C", root, target, "GO="+fakeGo)
			cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "MAKEFLAGS=", "MAKELEVEL=")
			out, _ := cmd.CombinedOutput()
			got, err := os.ReadFile(record)
			if err != nil {
				t.Fatalf("make %s did not call go build: %v\n%s", target, err, out)
			}
			// Empty is Go's default: this machine's.
			if s := strings.TrimSpace(string(got)); s != "/" && s != runtime.GOOS+"/"+runtime.GOARCH {
				t.Errorf("make %s built with GOOS/GOARCH %s; want this machine's", target, s)
			}
		})
	}
}
