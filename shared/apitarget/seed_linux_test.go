package apitarget

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestSeededBuildRelinksWhatIsStale: a seed (SeedEnv) built from older
// source never stands in for the source as it is now: BuildBootstraps's go
// build relinks the binary whose build ID no longer matches. (Linux only:
// the binaries are built for linux and run here.)
func TestSeededBuildRelinksWhatIsStale(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mod := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	source := func(word string) {
		write("fn/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\""+word+"\") }\n")
	}
	write("go.mod", "module seedtest\n\ngo 1.26\n")
	pkgs := []string{"./fn"}

	source("old")
	seed := t.TempDir()
	if err := samlocal.Build(ctx, mod, seed, pkgs); err != nil {
		t.Fatal(err)
	}
	t.Setenv(SeedEnv, seed)
	for _, tc := range []struct{ source, want string }{
		{"old", "old"}, // the seed's binary, up to date
		{"new", "new"}, // source changed since the seed was built
	} {
		source(tc.source)
		dir := t.TempDir()
		if err := BuildBootstraps(ctx, mod, dir, pkgs); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(filepath.Join(dir, "fn")).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := string(out); got != tc.want {
			t.Errorf("source %q, seed built from \"old\": the built binary prints %q; want %q", tc.source, got, tc.want)
		}
	}
}
