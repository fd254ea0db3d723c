package dynamolocal

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestInstallComparesTheWholeDigest: Install "checks it against the
// lockfile's sha512 integrity": all 64 bytes of it. A lockfile digest that
// differs from the served bytes' in its first or its last byte only is
// ErrIntegrity (comparing half the digest passed every other test).
func TestInstallComparesTheWholeDigest(t *testing.T) {
	tgz := tarball(t, goodEntries())
	d := sha512.Sum512(tgz)
	for _, tc := range []struct {
		name string
		flip int // the digest byte changed; -1 none
		want error
	}{
		{"the served bytes' digest", -1, nil},
		{"first byte differs", 0, ErrIntegrity},
		{"last byte differs", sha512.Size - 1, ErrIntegrity},
		{"a middle byte differs", sha512.Size / 2, ErrIntegrity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := d
			if tc.flip >= 0 {
				w[tc.flip] ^= 1
			}
			reg := newRegistry(t)
			reg.serve(tarballPath, tgz)
			in := testInstaller(reg, testPackage("sha512-"+base64.StdEncoding.EncodeToString(w[:])))
			outer := t.TempDir()
			dir := filepath.Join(outer, "engine")
			_, err := in.install(context.Background(), dir)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("install() = %v; want %v", err, tc.want)
			}
			if tc.want != nil {
				assertNothingInstalled(t, outer, dir)
			}
		})
	}
}

// TestInstallRefusesADeclaredSizePastTheBound: a Content-Length past
// limits.tarball is refused as ErrUnsafeArchive from the headers, before
// a byte of the body is read; here the body never comes, so an installer
// that waited for it would end ErrStalled instead. A Content-Length at
// the bound is read (and, its body never coming, stalls).
func TestInstallRefusesADeclaredSizePastTheBound(t *testing.T) {
	const bound = 1000
	for _, tc := range []struct {
		length int
		want   error
	}{
		{bound + 1, ErrUnsafeArchive},
		{bound * 1000, ErrUnsafeArchive},
		{bound, ErrStalled},
	} {
		t.Run(strconv.Itoa(tc.length), func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(tc.length))
				w.WriteHeader(http.StatusOK)
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			defer srv.Close()
			defer close(release)
			in := installer{pkg: testPackage(sri([]byte("x"))), registry: srv.URL, client: srv.Client(),
				limits: limits{tarball: bound, unpacked: 1 << 20, entries: 100}, idle: 2 * time.Second}
			outer := t.TempDir()
			dir := filepath.Join(outer, "engine")
			_, err := in.install(context.Background(), dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("install() with Content-Length %d = %v; want %v", tc.length, err, tc.want)
			}
			assertNothingInstalled(t, outer, dir)
		})
	}
}

// TestInstallTakesASlowDownloadThatKeepsSending: downloadIdle bounds "how
// long the download waits for the next byte", not the whole download: a
// registry that sends a little at a time, each piece within the idle
// time, for longer than the idle time in all, installs.
func TestInstallTakesASlowDownloadThatKeepsSending(t *testing.T) {
	tgz := tarball(t, goodEntries())
	const pieces = 16
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(tgz)))
		step := (len(tgz) + pieces - 1) / pieces
		for b := tgz; len(b) > 0; {
			n := min(step, len(b))
			w.Write(b[:n])
			w.(http.Flusher).Flush()
			b = b[n:]
			time.Sleep(100 * time.Millisecond)
		}
	}))
	defer srv.Close()
	in := installer{pkg: testPackage(sri(tgz)), registry: srv.URL, client: srv.Client(), limits: defaultLimits, idle: 800 * time.Millisecond}
	if _, err := in.install(context.Background(), filepath.Join(t.TempDir(), "engine")); err != nil {
		t.Fatalf("install() of a download of %d pieces 100 ms apart, idle 800 ms = %v; want nil", pieces, err)
	}
}

// TestInstallCreatesNothingForLinks: extract's doc: "only regular files
// and directories are written, links and special files are skipped". A
// link entry leaves no file or folder of its name (not an empty file for
// a hard link, not a folder for a symbolic one).
func TestInstallCreatesNothingForLinks(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    entry
	}{
		{"symbolic link", entry{name: "package/lib/link", typeflag: tar.TypeSymlink, linkname: "/etc"}},
		{"relative symbolic link", entry{name: "package/lib/rel", typeflag: tar.TypeSymlink, linkname: "dynamodb_local_2026-01-01"}},
		{"hard link", entry{name: "package/passwd", typeflag: tar.TypeLink, linkname: "/etc/passwd"}},
		{"hard link inside", entry{name: "package/lib/jar2", typeflag: tar.TypeLink, linkname: "package/" + jarPath[len("package/"):]}},
		{"fifo", entry{name: "package/fifo", typeflag: tar.TypeFifo}},
		{"character device", entry{name: "package/null", typeflag: tar.TypeChar}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgz := tarball(t, append(goodEntries(), tc.e))
			pkgDir, _ := installServed(t, tgz)
			p := filepath.Join(pkgDir, filepath.FromSlash(tc.e.name[len("package/"):]))
			if fi, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s after install: %v, %v; want nothing there", tc.e.name, fi, err)
			}
		})
	}
}

// TestInstallTakesTheLastOfDuplicateEntries: a tarball naming one file
// twice installs the later entry's bytes, as tar and npm do, whole: not
// the later bytes over the tail of the earlier ones.
func TestInstallTakesTheLastOfDuplicateEntries(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second string
	}{
		{"longer, then shorter", "the first, longer copy of the jar", "short"},
		{"shorter, then longer", "short", "the second, longer copy of the jar"},
		{"then empty", "not empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgz := tarball(t, append(goodEntries(), entry{name: jarPath, body: tc.first}, entry{name: jarPath, body: tc.second}))
			pkgDir, jarDir := installServed(t, tgz)
			if b, err := os.ReadFile(filepath.Join(jarDir, "DynamoDBLocal.jar")); err != nil || string(b) != tc.second {
				t.Errorf("jar = %q, %v; want %q", b, err, tc.second)
			}
			if err := checkFiles(pkgDir, true); err != nil {
				t.Errorf("checkFiles(full) = %v; want nil", err)
			}
		})
	}
}

// TestInstallFileModes: extract's doc: "files get mode 0644 or 0755
// (when the archive marks them executable) under the umask". Under a
// umask of 0 nothing installed is writable by others (a jar another user
// could replace would run as this one), and any execute bit in the
// archive makes the file 0755, with no setuid, setgid or sticky bit.
func TestInstallFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, tc := range []struct {
		mode int64
		want os.FileMode
	}{
		{0o644, 0o644},
		{0o666, 0o644},
		{0o600, 0o644},
		{0o400, 0o644},
		{0o755, 0o755},
		{0o777, 0o755},
		{0o700, 0o755},
		{0o100, 0o755},
		{0o010, 0o755},
		{0o001, 0o755},
		{0o4755, 0o755},
		{0o2755, 0o755},
		{0o1777, 0o755},
	} {
		t.Run(strconv.FormatInt(tc.mode, 8), func(t *testing.T) {
			tgz := tarball(t, append(goodEntries(), entry{name: "package/lib/file", body: "x", mode: tc.mode}))
			pkgDir, _ := installServed(t, tgz)
			fi, err := os.Stat(filepath.Join(pkgDir, "lib", "file"))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() & (os.ModePerm | os.ModeSetuid | os.ModeSetgid | os.ModeSticky); got != tc.want {
				t.Errorf("mode %o in the archive: installed as %v; want %v", tc.mode, got, tc.want)
			}
		})
	}
}

// TestCheckFiles: checkFiles is nil "when it matches, or when there is no
// manifest"; a manifest that is there but cannot be read or parsed is not
// "no manifest" (the install is damaged), and a file the engine runs is
// damaged when its size differs either way (README: "cut short, removed or
// changed since it was installed (every start compares the sizes with the
// install's manifest").
func TestCheckFiles(t *testing.T) {
	const jar = "lib/dynamodb_local_2026-01-01/DynamoDBLocal.jar"
	for _, tc := range []struct {
		name   string
		change func(pkgDir string) error
		ok     bool
	}{
		{"intact", func(string) error { return nil }, true},
		{"no manifest", func(p string) error { return os.Remove(filepath.Join(p, manifestName)) }, true},
		{"manifest not JSON", func(p string) error { return os.WriteFile(filepath.Join(p, manifestName), []byte("{"), 0o644) }, false},
		{"manifest unreadable (a folder)", func(p string) error {
			if err := os.Remove(filepath.Join(p, manifestName)); err != nil {
				return err
			}
			return os.Mkdir(filepath.Join(p, manifestName), 0o755)
		}, false},
		{"jar grown", func(p string) error {
			f, err := os.OpenFile(filepath.Join(p, jar), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte("more"))
			return err
		}, false},
		{"jar cut short", func(p string) error { return os.Truncate(filepath.Join(p, jar), 1) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgz := tarball(t, goodEntries())
			pkgDir, _ := installServed(t, tgz)
			if err := tc.change(pkgDir); err != nil {
				t.Fatal(err)
			}
			for _, full := range []bool{false, true} {
				if err := checkFiles(pkgDir, full); (err == nil) != tc.ok {
					t.Errorf("checkFiles(full=%v) = %v; want ok=%v", full, err, tc.ok)
				}
			}
		})
	}
}

// TestInstallSaysOnceThatItWaits: an install waiting for another's lock
// says so once, as it starts waiting, however long it waits (lockDir
// tries again every lockWaitPoll).
//
// The other lets go 6 polls after the install said it waits, not 6 polls
// after its goroutine was started: a goroutine that reached the lock only
// after a fixed sleep from its start (a loaded machine) found it free and
// rightly said nothing, and the test failed (0 lines; every run, with the
// goroutine held back 7 polls).
func TestInstallSaysOnceThatItWaits(t *testing.T) {
	dir := t.TempDir()
	other := holdInstallLock(t, dir)
	var log syncBuffer
	done := make(chan error, 1)
	go func() { _, err := repair(context.Background(), dir, &log); done <- err }()
	for end := time.Now().Add(time.Minute); log.Len() == 0; {
		select {
		case err := <-done:
			t.Fatalf("repair() beside another's lock = %v before saying it waits; want it to wait", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(end) {
			t.Fatal("repair() beside another's lock said nothing for a minute; want a line saying it waits")
		}
	}
	time.Sleep(6 * lockWaitPoll)
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("repair() once the other let go = %v; want nil", err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if got := bytes.Count(log.buf.Bytes(), []byte("\n")); got != 1 {
		t.Errorf("lines said while waiting %v = %d (%q); want 1", 6*lockWaitPoll, got, log.buf.String())
	}
}

// installServed installs tgz, served by a registry of its own, into a new
// folder, as a test whose install must succeed: the package's folder and
// the jar's.
func installServed(t *testing.T, tgz []byte) (pkgDir, jarDir string) {
	t.Helper()
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	jarDir, err := in.install(context.Background(), dir)
	if err != nil {
		t.Fatalf("install() = %v", err)
	}
	return filepath.Join(dir, in.pkg.folder()), jarDir
}
