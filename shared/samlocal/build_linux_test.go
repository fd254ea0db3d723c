package samlocal

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCanceledBuildLeavesNoCompiler: ctx ending during Build (start-api's
// SIGTERM, or a test's cancel: no terminal sends a Ctrl-C to the whole
// process group then) stops go build and every compiler and linker it
// started, as a Ctrl-C does. Before, exec.CommandContext killed go build
// alone (SIGKILL): its compiler kept running, orphaned and holding the
// standard error Build reads to its end, so Build (and start-api's stop)
// waited for the compiler to finish.
func TestCanceledBuildLeavesNoCompiler(t *testing.T) {
	bin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "go")); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(bin, "compiler")
	if err := syscall.Mkfifo(pidFile, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(fakeGoEnv, pidFile)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Build(ctx, t.TempDir(), t.TempDir(), []string{"./fn"}) }()
	// The fake go writes its compiler's pid to the fifo; one that ends
	// without writing it ends Build, and the read would wait for a writer
	// until go test's timeout.
	type read struct {
		b   []byte
		err error
	}
	pidRead := make(chan read, 1)
	go func() { b, err := os.ReadFile(pidFile); pidRead <- read{b, err} }()
	t.Cleanup(func() {
		// A read still waiting for a writer gets one, and the end of file.
		if f, err := os.OpenFile(pidFile, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	var b []byte
	select {
	case r := <-pidRead:
		if b, err = r.b, r.err; err != nil {
			t.Fatal(err)
		}
	case err := <-done:
		t.Fatalf("Build returned %v before the fake go wrote its compiler's pid; want it building until canceled", err)
	case <-time.After(time.Minute):
		t.Fatal("the fake go has not written its compiler's pid in a minute")
	}
	pid, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("the fake go wrote %q; want its compiler's pid", b)
	}
	t.Cleanup(func() {
		if running(pid) && strings.HasPrefix(cmdline(pid), "sleep 300") {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Build after its ctx ended = nil; want an error")
		}
	case <-time.After(time.Minute):
		t.Fatalf("Build has not returned a minute after its ctx ended; go build's compiler %d (%s) runs: %v", pid, cmdline(pid), running(pid))
	}
	// The interrupt reached the compiler with go, but it may still be
	// exiting when Build returns (seen as a process with no command line
	// yet no zombie): it has a few seconds to finish, an orphan runs 300.
	deadline := time.Now().Add(10 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("go build's compiler %d (%s) still runs 10 s after a canceled Build; want it stopped", pid, cmdline(pid))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
