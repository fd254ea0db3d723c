package docs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestMakeBuildsWhereGitCannotBeRead: a checkout that another user owns
// (a folder mounted into a container, a CI runner's workspace, a clone made
// with sudo) is one git refuses to read ("detected dubious ownership"), and
// go build, which stamps a binary with the checkout's git state, then
// stops: "error obtaining VCS status: exit status 128. Use -buildvcs=false
// to disable VCS stamping." (reproduced: a clean clone chowned to nobody,
// make run as root with GOFLAGS unset stopped so before its server
// started). Nothing the service runs reads that stamp, so the Makefile's
// builds must not need it: make run, make start-api, and the Lambda build
// SAM runs (build-<LogicalId>). Git is a stand-in that fails as git does
// there; the Makefile builds a module of its own with the real go.
func TestMakeBuildsWhereGitCannotBeRead(t *testing.T) {
	makeBin, root := makeAndRoot(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	dir := hostileDir(t)
	files := map[string]string{
		"Makefile":                    string(makefile),
		"go.mod":                      "module example.com/vcs\n\ngo 1.26\n",
		"cmd/localapi/main.go":        "package main\n\nfunc main() {}\n",
		"cmd/startapi/main.go":        "package main\n\nfunc main() {}\n",
		"functions/alpha-one/main.go": "package main\n\nfunc main() {}\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A .git folder is what makes go build ask git for the state.
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	writeScript(t, filepath.Join(bin, "git"), "#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '$PWD'\" >&2\nexit 128\n")
	// The go the recipes find is the real one, building for this
	// machine's architecture: the Lambda build's linux/arm64 would compile
	// Go's standard library for arm64 first (45 s with an empty cache),
	// and git is asked the same whatever the target.
	writeScript(t, filepath.Join(bin, "go"), "#!/bin/sh\nGOARCH="+runtime.GOARCH+" exec '"+strings.ReplaceAll(goBin, "'", `'\''`)+"' \"$@\"\n")
	// The machine's GOFLAGS (a -buildvcs=false there would hide the case)
	// and Go's settings file are left out: a fresh machine has neither.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "GOENV=")
	})
	env = append(env, "GOENV=off", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	artifacts := t.TempDir()
	tests := []struct {
		target string
		args   []string
		built  string // the binary the target must leave
	}{
		{"run", nil, filepath.Join(dir, "bin", "localapi")},
		{"start-api", nil, filepath.Join(dir, "bin", "startapi")},
		{"build-AlphaOneFunction", []string{"ARTIFACTS_DIR=" + artifacts}, filepath.Join(artifacts, "bootstrap")},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			cmd := exec.Command(makeBin, append([]string{"--no-print-directory", tc.target}, tc.args...)...)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			if code := exitCode(t, err); code != 0 {
				t.Fatalf("make %s in a checkout git cannot read: exit %d; want 0\n%s", tc.target, code, out)
			}
			if _, err := os.Stat(tc.built); err != nil {
				t.Errorf("make %s built no %s: %v\n%s", tc.target, tc.built, err, out)
			}
		})
	}
}
