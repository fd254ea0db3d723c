package dynamolocal

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// undeletable makes file (alone in its folder) impossible for this process
// to remove, as a removal cut short leaves a folder: its folder without
// write permission for a user, the file immutable (chattr +i) for root,
// whom permissions do not stop. The test is skipped where neither holds
// (failed in CI: cannotRun).
// Both are undone at the test's end, wherever the folder has moved to
// under dir.
func undeletable(t *testing.T, dir, file string) {
	t.Helper()
	name := filepath.Base(file)
	t.Cleanup(func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == name {
				_ = os.Chmod(filepath.Dir(p), 0o755)
				_ = exec.Command("chattr", "-i", p).Run()
			}
			return nil
		})
	})
	if os.Geteuid() != 0 {
		if err := os.Chmod(filepath.Dir(file), 0o555); err != nil {
			t.Fatal(err)
		}
	} else if out, err := exec.Command("chattr", "+i", file).CombinedOutput(); err != nil {
		cannotRun(t, "cannot make a file root cannot remove (chattr +i: %v: %s)", err, out)
	}
	if err := os.Remove(file); err == nil {
		cannotRun(t, "cannot make a file this process cannot remove: %s was removed", file)
	}
}

// cannotRun skips the test on a machine that cannot set it up, and fails
// it in CI (CI set), whose machines can: there a skip would hide that the
// rule went untested.
func cannotRun(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// TestInstallReplacesADamagedInstallItCannotRemove: putAside's doc: it
// "renames a damaged install out of the way, to a temporary name the next
// install removes, and removes it now if it can"; Install's: "nobody ever
// sees a half-installed engine". A damaged install whose removal stops
// partway (here at a file that cannot be removed; a process killed while
// removing it alike) is still replaced: it leaves the install's name in
// one rename, and the engine is installed afresh under that name, with
// nothing of the damaged one in it.
func TestInstallReplacesADamagedInstallItCannotRemove(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	jarDir, err := in.install(context.Background(), dir)
	if err != nil {
		t.Fatalf("install() = %v", err)
	}
	final := filepath.Join(dir, in.pkg.folder())
	stuck := filepath.Join(final, "lib", "stuck", "left")
	if err := os.MkdirAll(filepath.Dir(stuck), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stuck, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	undeletable(t, dir, stuck)
	if err := os.Truncate(filepath.Join(jarDir, "DynamoDBLocal.jar"), 3); err != nil {
		t.Fatal(err)
	}
	again, err := in.install(context.Background(), dir)
	if err != nil || again != jarDir {
		t.Fatalf("install() over a damaged install it cannot remove = %q, %v; want %q, nil", again, err, jarDir)
	}
	if err := checkFiles(final, true); err != nil {
		t.Errorf("checkFiles(full) after the repair = %v; want nil", err)
	}
	if _, err := os.Stat(filepath.Dir(stuck)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the new install holds the damaged one's %s (stat: %v); want it installed afresh", filepath.Dir(stuck), err)
	}
}
