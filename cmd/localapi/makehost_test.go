package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMakeTargetsBuildForThisMachine: make run, make start-api, make test
// and make test-short build programs and run them here, so they build them
// for this machine whatever GOOS and GOARCH the user's shell exports (left
// from a cross-compile). Before, GOOS=darwin make run compiled every module
// for macOS (minutes, silent: bin/localapi existed) and then stopped with
// `./bin/localapi: cannot execute binary file: Exec format error`
// (r92-fresh); make test and make test-short built test binaries this
// machine cannot run, and make test's bootstraps for start-api's tests
// took an exported GOARCH (linux/arm64 on an amd64 machine). Only the
// Lambda builds (make build, sam build) name their own target: linux/arm64.
// A go that records each build, test and run call's GOOS/GOARCH and fails
// it stands in for Go (make stops at the first).
func TestMakeTargetsBuildForThisMachine(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not on PATH (README's prerequisite): %v", err)
	}
	for _, tc := range []struct {
		target, wantCall string
		goos             string // the GOOS the call may name beside this machine's ("" for none)
	}{
		{"run", "build", ""},
		{"start-api", "build", ""},
		{"test-short", "test", ""},
		{"test", "build", "linux"}, // the bootstraps: Lambda's OS, this machine's architecture
	} {
		t.Run(tc.target, func(t *testing.T) {
			dir := t.TempDir()
			record := filepath.Join(dir, "calls")
			fakeGo := filepath.Join(dir, "go")
			script := "#!/bin/sh\ncase \"$1\" in\nenv) echo 1; exit 0;;\nbuild|test|run) echo \"$1 $GOOS/$GOARCH\" >>" + record + "; exit 3;;\nesac\nexit 0\n"
			if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("make", "--no-print-directory", "-C", root, tc.target, "GO="+fakeGo)
			cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=riscv64", "MAKEFLAGS=", "MAKELEVEL=")
			out, _ := cmd.CombinedOutput()
			got, err := os.ReadFile(record)
			if err != nil {
				t.Fatalf("make %s did not call go %s: %v\n%s", tc.target, tc.wantCall, err, out)
			}
			call, env, _ := strings.Cut(strings.TrimSpace(string(got)), " ")
			if call != tc.wantCall {
				t.Fatalf("make %s's first go call was %q; want go %s", tc.target, got, tc.wantCall)
			}
			// Empty is Go's default: this machine's.
			goos, goarch, _ := strings.Cut(env, "/")
			if goos != "" && goos != runtime.GOOS && goos != tc.goos || goarch != "" && goarch != runtime.GOARCH {
				t.Errorf("make %s ran go %s with GOOS/GOARCH %s; want this machine's", tc.target, call, env)
			}
		})
	}
}
