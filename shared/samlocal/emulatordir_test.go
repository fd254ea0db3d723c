package samlocal

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestEmulatorStartsInAnyFolder: aws-lambda-rie, at its start and before
// it listens, makes a file URL of its working directory (its telemetry
// schema's, jsonschema's toAbs) and panics when that is no URL: a folder
// holding a control character (a tab) or a % not followed by two hex
// digits. Each instance ran in its bootstrap's folder, so make start-api
// from a clone under such a folder (README, "The two commands": run them
// "in the repository's root", no folder named) answered every function's
// route 500 (r91-paths: a clone under "tab<TAB>here $(id) ü/", and one
// under "col:on 100% #h =e,c/"), and so did make test's bootstraps under a
// TMPDIR so named. Needs only the emulator (go tool), no DynamoDB Local:
// the bootstrap is not run before a first invocation.
func TestEmulatorStartsInAnyFolder(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("-short: the emulator is go tool's build (make test runs this)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rie, err := FindEmulator(ctx, testStack)
	if err != nil {
		t.Fatal(err)
	}
	fn := &Function{LogicalID: "EchoFunction"}
	// A tab, and a % before no two hex digits (and a line break's and
	// other controls' fate is the tab's: url.Parse refuses them alike).
	for _, name := range []string{"tab\there $(id) ü", "col:on 100% #h =e,c"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		bootstrap := filepath.Join(dir, "bootstrap")
		if err := os.WriteFile(bootstrap, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		inst, err := startInstance(ctx, rie, bootstrap, fn, nil, io.Discard)
		if err != nil {
			t.Errorf("an emulator for a bootstrap in %q: %v; want it listening", name, err)
			continue
		}
		inst.stop()
	}
	// A plain name that links to such a folder: the emulator asks its
	// working directory of the system (os.Getwd; the environment make
	// start-api gives it holds no PWD), which names the folder without links, so emulatorDir judges
	// the folder the link leads to (r91-review2: judged on the link's own
	// name, it ran the emulator there, and it panicked).
	target := filepath.Join(t.TempDir(), "tab\there")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "plain")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "bootstrap"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// An environment of its own, as make start-api gives each function:
	// with none, exec would set PWD to the link's path for it.
	inst, err := startInstance(ctx, rie, filepath.Join(link, "bootstrap"), fn, map[string]string{"AWS_REGION": "us-east-1"}, io.Discard)
	if err != nil {
		t.Errorf("an emulator for a bootstrap in %q, a link to %q: %v; want it listening", link, target, err)
		return
	}
	inst.stop()
}
