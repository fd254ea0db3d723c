package samlocal

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
	dir, rie, err := runEmulatorCopy(orig)
	if err != nil {
		t.Fatal(err)
	}
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
	if _, _, err := runEmulatorCopy(orig); err == nil {
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
	dir, rie, err := runEmulatorCopy(orig)
	if err != nil {
		t.Fatal(err)
	}
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
