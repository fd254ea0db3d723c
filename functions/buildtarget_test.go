package functions_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLambdaBuildIsForLambdasCPU: make build-<LogicalId> (what sam build
// runs) builds for Lambda's arm64 whatever the shell exports: GOOS and
// GOARCH left from a cross-compile, and GOARM64, which picks the arm64
// instructions Go may use. Lambda's arm64 is Graviton2, an Armv8.2 core:
// GOARM64=v9.0 exported (or set with go env -w) reached the Lambda build
// and made a bootstrap Lambda's CPU need not run (r93-review). Go's own
// default, v8.0, is named in the build. A go that records its
// environment stands in for Go.
func TestLambdaBuildIsForLambdasCPU(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "env")
	fakeGo := filepath.Join(dir, "go")
	script := "#!/bin/sh\necho \"$GOOS/$GOARCH/$GOARM64/$CGO_ENABLED\" >" + record + "\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "build-GetSessionFunction", "GO="+fakeGo, "ARTIFACTS_DIR="+filepath.Join(dir, "out"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=amd64", "GOARM64=v9.0", "CGO_ENABLED=1", "MAKEFLAGS=", "MAKELEVEL=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-GetSessionFunction: %v\n%s", err, out)
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("go was not run: %v", err)
	}
	if s, want := strings.TrimSpace(string(got)), "linux/arm64/v8.0/0"; s != want {
		t.Errorf("the Lambda build ran with GOOS/GOARCH/GOARM64/CGO_ENABLED %s; want %s", s, want)
	}
}

// TestLambdaBuildTakesNoRaceFromGOFLAGS: a build setting such as GOFLAGS
// changes only how long a build takes (README), and the Lambda builds are
// the deployment's, CGO_ENABLED=0: GOFLAGS=-race exported (as for
// GOFLAGS=-race make run) reached make build and make start-api's builds
// of the functions, which then failed with "go: -race requires cgo"
// (r97-fresh2). The race detector is not the deployment's: the build says
// -race=false, which a command line's flag takes over GOFLAGS. Go is the
// real one, run with -n (it checks its flags, then prints the build
// instead of running it).
func TestLambdaBuildTakesNoRaceFromGOFLAGS(t *testing.T) {
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH: %v", err)
	}
	dir := t.TempDir()
	fakeGo := filepath.Join(dir, "go")
	script := "#!/bin/sh\ncmd=$1\nshift\nexec \"$REAL_GO\" \"$cmd\" -n \"$@\"\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "--no-print-directory", "build-GetSessionFunction", "GO="+fakeGo, "ARTIFACTS_DIR="+filepath.Join(dir, "out"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-race", "REAL_GO="+realGo, "MAKEFLAGS=", "MAKELEVEL=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("make build-GetSessionFunction with GOFLAGS=-race: got %v; want success\n%s", err, out)
	}
}
