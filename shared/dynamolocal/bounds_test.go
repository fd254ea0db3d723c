package dynamolocal

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestInstallTakesWhatIsWithinItsBounds: the limits are "at most": a
// tarball of exactly limits.tarball bytes (sent with its Content-Length or
// chunked) and content of exactly limits.unpacked bytes install; one byte
// less of either bound refuses them as ErrUnsafeArchive. A bound off by one
// passed every earlier row, which were all far past it.
func TestInstallTakesWhatIsWithinItsBounds(t *testing.T) {
	entries := goodEntries()
	tgz := tarball(t, entries)
	var content int64
	for _, e := range entries {
		if e.typeflag == 0 {
			content += int64(len(e.body))
		}
	}
	size := int64(len(tgz))
	for _, tc := range []struct {
		name    string
		limits  limits
		chunked bool
		want    error
	}{
		{"tarball at its bound", limits{tarball: size, unpacked: 1 << 20, entries: 100}, false, nil},
		{"tarball at its bound, chunked", limits{tarball: size, unpacked: 1 << 20, entries: 100}, true, nil},
		{"tarball a byte past its bound", limits{tarball: size - 1, unpacked: 1 << 20, entries: 100}, false, ErrUnsafeArchive},
		{"tarball a byte past its bound, chunked", limits{tarball: size - 1, unpacked: 1 << 20, entries: 100}, true, ErrUnsafeArchive},
		{"content at its bound", limits{tarball: 1 << 20, unpacked: content, entries: 100}, false, nil},
		{"content a byte past its bound", limits{tarball: 1 << 20, unpacked: content - 1, entries: 100}, false, ErrUnsafeArchive},
		{"entries at their bound", limits{tarball: 1 << 20, unpacked: 1 << 20, entries: len(entries)}, false, nil},
		{"an entry past their bound", limits{tarball: 1 << 20, unpacked: 1 << 20, entries: len(entries) - 1}, false, ErrUnsafeArchive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := newRegistry(t)
			reg.chunked = tc.chunked
			reg.serve(tarballPath, tgz)
			in := testInstaller(reg, testPackage(sri(tgz)))
			in.limits = tc.limits
			_, err := in.install(context.Background(), filepath.Join(t.TempDir(), "engine"))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("install() = %v; want %v", err, tc.want)
			}
		})
	}
}

// TestInstallSaysARegistryRefusal: a registry that answers other than 200
// (a 404 for a version it does not have) is refused as the registry's
// answer, not hashed: its error page is no tarball "serving other bytes"
// (ErrIntegrity's diagnosis: "a registry or proxy serving other bytes?").
func TestInstallSaysARegistryRefusal(t *testing.T) {
	tgz := tarball(t, goodEntries())
	reg := newRegistry(t) // serves nothing: 404
	in := testInstaller(reg, testPackage(sri(tgz)))
	_, err := in.install(context.Background(), filepath.Join(t.TempDir(), "engine"))
	if err == nil || errors.Is(err, ErrIntegrity) {
		t.Errorf("install() from a registry answering 404 = %v; want an error that is not %v", err, ErrIntegrity)
	}
}
