package samlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// BuildFlags are the flags the Makefile's LAMBDA_BUILD gives go build for
// a deployment (a test keeps the two in step); -race=false keeps a
// GOFLAGS=-race the shell exports from these CGO_ENABLED=0 builds, and
// -buildvcs=false lets them build in a checkout git will not read (one
// another user owns: the Makefile's GO_BUILD says more).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-race=false", "-buildvcs=false"}

// Build builds pkgs (module paths relative to moduleDir, e.g.
// ./functions/get-session) as the deployment builds them but for this
// machine (linux, its architecture, no cgo), in one go build, into out: one
// binary per package, named by the package's last element.
func Build(ctx context.Context, moduleDir, out string, pkgs []string) error {
	if len(pkgs) == 0 {
		return errors.New("build: no packages")
	}
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out+string(filepath.Separator))
	args = append(args, pkgs...)
	cmd := goCommand(ctx, moduleDir, args...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, stderr.String())
	}
	return nil
}

// firstBuildWarning ends buildNotice's line when a bootstrap is missing.
const firstBuildWarning = "a first build compiles every module again with the deployment's flags (even after make run) and can take several minutes; later builds take seconds"

// buildNotice is start-api's line before it builds pkgs into out. Go's
// cache keeps builds with the deployment's flags (BuildFlags, no cgo)
// apart from make run's, so while a bootstrap is missing from out the build
// may compile every module: minutes without output, which the line says,
// as the Makefile's first-build line does for go build.
func buildNotice(out string, pkgs []string) string {
	line := fmt.Sprintf("building %d functions for this machine", len(pkgs))
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(out, filepath.Base(pkg))); err != nil {
			return line + ": " + firstBuildWarning
		}
	}
	return line
}

// goStopDelay is how long a go command interrupted by ctx's end may take
// to stop before it is killed.
const goStopDelay = 10 * time.Second

// goCommand is a go command in dir that ctx's end stops as a Ctrl-C does:
// it runs in a process group of its own, which gets the interrupt, so the
// compilers and linkers go started stop with it. exec.CommandContext's own
// way killed the go command alone, and they ran on, orphaned; a start-api
// stopped by SIGTERM or a closed terminal's SIGHUP (no Ctrl-C reaching
// every process, and the shell's SIGHUP reaches its job's group, not this
// one) left them. In its
// own group, a Ctrl-C reaches go only through start-api, as it reaches the
// emulators.
func goCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.SysProcAttr = groupProcAttr()
	cmd.Cancel = func() error { return interruptGroup(cmd.Process) }
	cmd.WaitDelay = goStopDelay
	return cmd
}

// FindEmulator returns the path of aws-lambda-rie, the tool go.mod pins,
// building it into Go's cache the first time (go tool -n).
func FindEmulator(ctx context.Context, moduleDir string) (string, error) {
	cmd := goCommand(ctx, moduleDir, "tool", "-n", "aws-lambda-rie")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n aws-lambda-rie: %w\n%s", err, stderr.String())
	}
	path := strings.TrimSpace(string(out))
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("go tool -n aws-lambda-rie printed %q: %w", path, err)
	}
	return path, nil
}

// emulatorCopyPrefix begins the name of every folder runEmulatorCopy makes
// in the temporary folder.
const emulatorCopyPrefix = "start-api-rie-"

// emulatorCopyLock is the file in such a folder that its stack holds
// locked (flock) for as long as it runs. The kernel releases the lock when
// the stack's process ends, killed too, so a folder whose lock no process
// holds is a stopped stack's.
const emulatorCopyLock = "in-use.lock"

// ErrTempFolder is in the stack's answer when the temporary folder (TMPDIR,
// /tmp when unset) cannot take its copy of the emulator (runEmulatorCopy):
// full, read-only, or no folder at all.
var ErrTempFolder = errors.New("the temporary folder (TMPDIR) cannot hold start-api's copy of aws-lambda-rie (9 MB)")

// runEmulatorCopy copies the emulator at path (in Go's build cache, where
// go tool -n names it) into a directory of its own, and returns the
// directory, the copy's path and the directory's lock, held until the
// caller closes it (after removing the directory). The stack starts every
// function instance from the copy: go clean -cache, or the cache's own
// trimming, run while the stack serves, removed the cached binary, and
// every instance started after it failed (fork/exec: no such file or
// directory, answered 500) while warm ones went on. A stack killed
// (SIGKILL) cannot remove its copy, 9 MB: the next copy made removes the
// copies of stacks that no longer run (removeStoppedCopies).
func runEmulatorCopy(path string) (dir, rie string, lock *os.File, err error) {
	src, err := os.Open(path)
	if err != nil {
		return "", "", nil, err
	}
	defer src.Close()
	removeStoppedCopies(os.TempDir())
	// What fails from here fails in the temporary folder, and says so.
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w: %w: free room there, or set TMPDIR to another folder you can write", ErrTempFolder, err)
		}
	}()
	if dir, err = os.MkdirTemp("", emulatorCopyPrefix); err != nil {
		return "", "", nil, err
	}
	// Absolute under a relative TMPDIR too: each instance runs the copy
	// from its bootstrap's folder (exec.Cmd.Dir), where a relative path
	// names nothing.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", nil, errors.Join(err, os.RemoveAll(dir))
	}
	dir = abs
	if lock, err = lockCopy(dir); err != nil {
		return "", "", nil, errors.Join(err, os.RemoveAll(dir))
	}
	rie = filepath.Join(dir, "aws-lambda-rie")
	dst, err := os.OpenFile(rie, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err == nil {
		_, err = io.Copy(dst, src)
		err = errors.Join(err, dst.Close())
	}
	if err != nil {
		return "", "", nil, errors.Join(err, os.RemoveAll(dir), lock.Close())
	}
	return dir, rie, lock, nil
}

// lockCopy makes dir's emulatorCopyLock, already locked: it is created
// under another name, locked, then renamed, so that removeStoppedCopies
// never finds it unlocked while its stack runs.
func lockCopy(dir string) (*os.File, error) {
	made := filepath.Join(dir, "."+emulatorCopyLock)
	f, err := os.OpenFile(made, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	if err := os.Rename(made, filepath.Join(dir, emulatorCopyLock)); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return f, nil
}

// removeStoppedCopies removes from tmp the emulator copies of stacks that
// no longer run: those whose lock it can take. A folder whose lock another
// process holds is a running stack's, and one without a lock file is being
// made (or is an older stack's, from before the lock), so both are left
// as they are; so is what cannot be read or removed (another user's), and
// a folder whose lock is no regular file of this user's (a FIFO, a
// symlink: planted, never a stack's).
// The folder is read, not globbed: a TMPDIR may hold `[` or `*`.
func removeStoppedCopies(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), emulatorCopyPrefix) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		// Neither waiting for a FIFO's writer nor following a symlink:
		// a lock is a regular file of this user's, as lockCopy makes it
		// (the folder is shared: anyone can plant one, and a FIFO's
		// open blocked the start).
		f, err := os.OpenFile(filepath.Join(dir, emulatorCopyLock), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && ownedByUser(fi) &&
			syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = os.RemoveAll(dir)
		}
		_ = f.Close()
	}
}

// ownedByUser reports whether fi is a file of this process's user.
func ownedByUser(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// ModuleRoot finds the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository")
		}
		dir = parent
	}
}
