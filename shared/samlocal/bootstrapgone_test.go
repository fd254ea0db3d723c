package samlocal

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestRemovedBootstrapSaysWhatToDo: a fresh user who ran `make clean`
// while make start-api served (r98-fresh) had every request after it
// answered API Gateway's 500, as a function that cannot start is, and
// the log said only `start aws-lambda-rie for GetSessionFunction:
// fork/exec /tmp/start-api-rie-…/aws-lambda-rie: no such file or
// directory`: it named the emulator's copy, which was still there, for
// Go names the program whatever part of the start failed (here the
// working directory, the bootstrap's folder, removed). An instance whose
// bootstrap is gone is ErrBootstrapGone, which says to start the stack
// again; one that fails to start for another reason is not.
func TestRemovedBootstrapSaysWhatToDo(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	present := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(present, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	fn := &Function{LogicalID: "FakeFunction"}
	for _, tt := range []struct {
		name      string
		rie       string
		bootstrap string
		gone      bool
	}{
		{"its folder removed", exe, filepath.Join(t.TempDir(), "removed", "bootstrap"), true},
		{"the bootstrap removed, its folder kept", exe, filepath.Join(t.TempDir(), "bootstrap"), true},
		{"the emulator missing, the bootstrap there", filepath.Join(t.TempDir(), "aws-lambda-rie"), present, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := startInstance(context.Background(), tt.rie, tt.bootstrap, fn, map[string]string{fakeRIEEnv: "both"}, io.Discard)
			if inst != nil {
				inst.stop()
			}
			if err == nil {
				t.Fatal("startInstance() = an instance; want an error")
			}
			if got := errors.Is(err, ErrBootstrapGone); got != tt.gone {
				t.Errorf("startInstance() = %v: ErrBootstrapGone %v; want %v", err, got, tt.gone)
			}
		})
	}
}

// fakeBootstrap is a bootstrap file for a test's fake emulator, which never
// runs it: startInstance refuses a bootstrap that is not there.
func fakeBootstrap(t *testing.T) string {
	t.Helper()
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bootstrap, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bootstrap
}
