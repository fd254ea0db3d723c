package samlocal

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestEmulatorCopyOutlivesGoCache: the stack starts its function instances
// from its own copy of aws-lambda-rie, so emptying Go's build cache (go
// clean -cache, or the cache's own trimming) while it serves cannot make
// every new instance fail: a stack whose cached emulator was removed
// mid-run answered 500 to 7 of 8 requests that needed a new instance
// (fork/exec: no such file or directory). The copy is the same bytes,
// executable, still there when the original is gone, and its directory is
// the stack's to remove.
func TestEmulatorCopyOutlivesGoCache(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "aws-lambda-rie")
	want := []byte("#!/bin/sh\necho rie\n")
	if err := os.WriteFile(orig, want, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, rie, lock, err := runEmulatorCopy(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	defer os.RemoveAll(dir)
	if err := os.Remove(orig); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(rie)
	if err != nil {
		t.Fatalf("the copy after the original was removed: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("copy holds %q; want %q", got, want)
	}
	fi, err := os.Stat(rie)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm()&0o111, os.FileMode(0o111); got != want {
		t.Errorf("copy's execute bits %v; want %v", got, want)
	}
	if got, want := filepath.Dir(rie), dir; got != want {
		t.Errorf("copy in %v; want in the directory returned, %v", got, want)
	}
	if _, _, _, err := runEmulatorCopy(orig); err == nil {
		t.Errorf("a copy of a missing emulator: got nil error; want one")
	}
}

// TestEmulatorCopyRunsUnderARelativeTMPDIR: the copy's path is absolute
// when TMPDIR is relative, for every instance runs it from the bootstrap's
// folder (exec.Cmd.Dir), where a relative path names nothing: under
// TMPDIR=reltmp make start-api answered every function 500 (fork/exec
// reltmp/start-api-rie-…/aws-lambda-rie: no such file or directory).
func TestEmulatorCopyRunsUnderARelativeTMPDIR(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "aws-lambda-rie")
	if err := os.WriteFile(orig, []byte("#!/bin/sh\necho rie\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	t.Chdir(t.TempDir())
	if err := os.Mkdir("rel tmp", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", "rel tmp")
	dir, rie, lock, err := runEmulatorCopy(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	defer os.RemoveAll(dir)
	if !filepath.IsAbs(dir) || !filepath.IsAbs(rie) {
		t.Errorf("copy %q in %q; want absolute paths", rie, dir)
	}
	cmd := exec.Command(rie)
	cmd.Dir = elsewhere
	if out, err := cmd.Output(); err != nil || string(out) != "rie\n" {
		t.Errorf("the copy run from another folder: %q, %v; want \"rie\\n\"", out, err)
	}
}

// copyChildEnv names, in a child test binary (TestMain), the emulator it
// copies as a stack does before it prints the copy's folder and waits to
// be killed.
const copyChildEnv = "SAMLOCAL_TEST_EMULATOR_COPY"

// runEmulatorCopyChild is that child: a stack's copy, then nothing until
// it is killed.
func runEmulatorCopyChild() {
	dir, _, _, err := runEmulatorCopy(os.Getenv(copyChildEnv))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("DIR", dir)
	select {}
}

// TestKilledStacksEmulatorCopyIsRemovedLater: a stack removes its copy of
// the emulator when it stops, but a killed one (SIGKILL) cannot, and each
// left its folder, 9 MB, in the temporary folder (r94-fresh: make
// start-api killed with kill -9 left /tmp/start-api-rie-3215187905). The
// next stack's copy removes the folder of a stack that no longer runs, and
// leaves a running stack's alone.
func TestKilledStacksEmulatorCopyIsRemovedLater(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	orig := filepath.Join(t.TempDir(), "aws-lambda-rie")
	if err := os.WriteFile(orig, []byte("#!/bin/sh\necho rie\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	running, _, runningLock, err := runEmulatorCopy(orig) // this process's: a running stack's
	if err != nil {
		t.Fatal(err)
	}
	defer runningLock.Close()
	defer os.RemoveAll(running)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), copyChildEnv+"="+orig)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	killed, ok := strings.CutPrefix(strings.TrimSpace(line), "DIR ")
	if err != nil || !ok {
		t.Fatalf("the child said %q (%v); want DIR <folder>", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(killed); err != nil {
		t.Fatalf("the killed stack's copy %s before the next start: %v; want it there", killed, err)
	}

	next, _, nextLock, err := runEmulatorCopy(orig)
	if err != nil {
		t.Fatal(err)
	}
	defer nextLock.Close()
	defer os.RemoveAll(next)
	for _, tc := range []struct {
		name, dir string
		want      bool
	}{
		{"the killed stack's copy", killed, false},
		{"a running stack's copy", running, true},
		{"the new copy", next, true},
	} {
		_, err := os.Stat(tc.dir)
		if got := err == nil; got != tc.want {
			t.Errorf("%s %s after the next start: there %v (%v); want %v", tc.name, tc.dir, got, err, tc.want)
		}
	}
}
