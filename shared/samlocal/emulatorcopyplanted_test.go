package samlocal

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestPlantedLockDoesNotHangTheNextStart: the next stack's start reads
// every start-api-rie-* folder in the temporary folder, which /tmp shares
// among all its users, and opens each folder's lock. A lock file that is a
// FIFO (mkfifo /tmp/start-api-rie-x/in-use.lock, by any user) blocked that
// open until a writer came: make start-api hung before it served
// (r94-review). A planted lock that is no regular file, or a symlink, is
// no stack's: the start goes on, and leaves what it names alone.
func TestPlantedLockDoesNotHangTheNextStart(t *testing.T) {
	tmp := t.TempDir()
	fifoDir := filepath.Join(tmp, emulatorCopyPrefix+"fifo")
	linkDir := filepath.Join(tmp, emulatorCopyPrefix+"link")
	for _, d := range []string{fifoDir, linkDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	fifo := filepath.Join(fifoDir, emulatorCopyLock)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A writer ends a blocked open, so that a failing run does not hang.
	defer func() {
		if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
			_ = f.Close()
		}
	}()
	other := filepath.Join(t.TempDir(), "someone-elses-file")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, filepath.Join(linkDir, emulatorCopyLock)); err != nil {
		t.Fatal(err)
	}
	// A symlink named like a copy, to a folder that looks like a stopped
	// stack's (an unlocked lock of this user's): a folder elsewhere,
	// never removed through the link.
	elsewhere := t.TempDir()
	if err := os.WriteFile(filepath.Join(elsewhere, emulatorCopyLock), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(tmp, emulatorCopyPrefix+"symlink")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { removeStoppedCopies(tmp); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("removeStoppedCopies with a FIFO as a folder's lock: still running after 5 s; want it done")
	}
	for _, d := range []string{fifoDir, linkDir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("planted folder %s: %v; want it left", d, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(tmp, emulatorCopyPrefix+"symlink")); err != nil {
		t.Errorf("planted symlink: %v; want it left", err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, emulatorCopyLock)); err != nil {
		t.Errorf("the folder a planted symlink names: %v; want it left", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the file a planted lock names: %v; want it left", err)
	}
}
