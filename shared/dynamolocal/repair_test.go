package dynamolocal

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStartRepairsAnInstallWhoseEngineExits: README's Troubleshooting: "a
// file of the installed engine (under its `lib` folder, what the JVM runs)
// was cut short, removed or changed since it was installed (every start
// compares the sizes with the install's manifest, and every file's sha256
// once the engine fails to start); it is downloaded and installed again by
// itself." An install whose jar has other bytes of the same size passes
// the quick check; once its engine exits, Start checks it in full and puts
// it aside to install again (here from a registry that has nothing, so
// Start fails after the repair). The install is a package of the engine's
// shape (goodEntries) installed as the pinned one would be, manifest
// included, so the test needs no engine downloaded before it.
func TestStartRepairsAnInstallWhoseEngineExits(t *testing.T) {
	dir := installedEngine(t)
	pkg, err := pinned()
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(dir, pkg.folder())
	jarDir, err := findJar(final)
	if err != nil {
		t.Fatal(err)
	}
	jar := filepath.Join(jarDir, "DynamoDBLocal.jar")
	b, err := os.ReadFile(jar)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(jar, b, 0o644); err != nil {
		t.Fatal(err)
	}

	bin := t.TempDir()
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n" +
		"echo 'Error: A JNI error has occurred, please check your installation and try again' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	reg := httptest.NewServer(http.NotFoundHandler())
	defer reg.Close()
	t.Setenv("npm_config_registry", reg.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := Start(ctx, Options{Dir: dir})
	if err == nil {
		e.Stop()
		t.Fatal("Start() = an engine; want an error (the registry has no engine)")
	}
	if _, err := os.Stat(final); !os.IsNotExist(err) {
		t.Errorf("the damaged install after Start: %v; want it put aside to install again", err)
	}
}

// installedEngine returns a folder (Options.Dir) holding a package of the
// engine's shape (goodEntries) installed as the pinned one would be,
// manifest included: Start takes it for the installed engine, so a test
// whose java is a script needs no engine downloaded before it (make
// test-short, a fresh clone).
func installedEngine(t *testing.T) string {
	t.Helper()
	pkg, err := pinned()
	if err != nil {
		t.Fatal(err)
	}
	tgz := tarball(t, goodEntries())
	fake := newRegistry(t)
	fake.serve(tarballPath, tgz)
	in := testInstaller(fake, testPackage(sri(tgz)))
	staged := t.TempDir()
	if _, err := in.install(context.Background(), staged); err != nil {
		t.Fatalf("install() = %v", err)
	}
	dir := t.TempDir()
	final := filepath.Join(dir, pkg.folder())
	if err := os.CopyFS(final, os.DirFS(filepath.Join(staged, in.pkg.folder()))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(final, manifestName)); err != nil {
		t.Fatalf("the install's manifest: %v", err)
	}
	return dir
}
