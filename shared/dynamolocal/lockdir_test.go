package dynamolocal

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// lockAsEnv makes the test binary lockDir the folder it names, as the
// user it runs as, and exit 0 if it got the lock, 1 if not.
const lockAsEnv = "DYNAMOLOCAL_TEST_LOCK_DIR"

// nobody is the user a root test runs the read-only rows as: root's
// permissions would let it write anywhere.
const nobody = 65534

// lockWait is how long each row waits for a lock another holds.
const lockWait = 500 * time.Millisecond

// TestLockDirOfAnInstallThisUserMayOnlyRead: lockDir's doc: "An install
// this user may only read (another user's clone's .dynamodb-local named by
// DYNAMODB_LOCAL_DIR, a read-only cache): flock needs no write access, and
// an intact install is used as it is ... Without a lock file to open, no
// installer can have worked there". A folder this user may only read is
// locked through its lock file opened read-only, or, without one, used
// unlocked; a lock another holds is waited for either way; a folder that
// does not exist is an error. Run as root, the
// read-only rows run in a copy of the test binary as nobody.
func TestLockDirOfAnInstallThisUserMayOnlyRead(t *testing.T) {
	if dir := os.Getenv(lockAsEnv); dir != "" {
		ctx, cancel := context.WithTimeout(context.Background(), lockWait)
		defer cancel()
		unlock, err := lockDir(ctx, dir, io.Discard)
		if err != nil {
			os.Exit(1)
		}
		unlock()
		os.Exit(0)
	}
	// A folder every user may enter (t.TempDir's parent is its owner's only).
	base, err := os.MkdirTemp("", "lockdir-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	var self string
	if os.Geteuid() == 0 {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		self = filepath.Join(base, "dynamolocal.test")
		if err := os.WriteFile(self, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		lockFile bool // the folder holds its lock file
		held     bool // another process holds the lock
		readOnly bool // this user may only read the folder
		exists   bool
		locked   bool
	}{
		{"a folder this user may write", false, false, false, true, true},
		{"a read-only folder with its lock file", true, false, true, true, true},
		{"a read-only folder whose lock another holds (waited for)", true, true, true, true, false},
		{"a read-only folder without one", false, false, true, true, true},
		{"a folder that does not exist", false, false, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(base, filepath.Base(t.Name()))
			if tt.exists {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if tt.lockFile {
					f, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if tt.held {
						if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			var locked bool
			switch {
			case tt.readOnly && self != "":
				cmd := exec.Command(self, "-test.run=^TestLockDirOfAnInstallThisUserMayOnlyRead$")
				cmd.Env = append(os.Environ(), lockAsEnv+"="+dir)
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
				err := cmd.Run()
				var exit *exec.ExitError
				if err != nil && !errors.As(err, &exit) {
					// Never skipped when CI is set, so CI cannot pass by
					// skipping it (storetest.EngineSkipped's rule).
					if os.Getenv("CI") != "" {
						t.Fatalf("cannot run the test binary as nobody: %v", err)
					}
					t.Skipf("cannot run the test binary as nobody: %v", err)
				}
				locked = err == nil
			default:
				if tt.readOnly {
					if err := os.Chmod(dir, 0o555); err != nil {
						t.Fatal(err)
					}
					defer os.Chmod(dir, 0o755)
				}
				ctx, cancel := context.WithTimeout(context.Background(), lockWait)
				defer cancel()
				unlock, err := lockDir(ctx, dir, io.Discard)
				if locked = err == nil; locked {
					unlock()
				}
			}
			if locked != tt.locked {
				t.Errorf("lockDir answered %v; want %v", locked, tt.locked)
			}
			if !tt.readOnly && tt.exists {
				if _, err := os.Stat(filepath.Join(dir, ".install.lock")); err != nil {
					t.Errorf("lock file: %v; want it made", err)
				}
			}
		})
	}
}
