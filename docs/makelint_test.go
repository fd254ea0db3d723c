package docs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMakeLintChecksFormattingWithoutGit: make lint runs gofmt ("make
// lint (go vet, gofmt, staticcheck, ...)", README) over the Go files, and
// read their list from git ls-files. In a folder that is not a git clone (a
// source archive), git listed nothing, and gofmt -l given no file reads its
// standard input: at a terminal make lint waited there for ever, and with
// its input closed (CI) it passed having checked no file. make lint must
// check the files themselves, with or without git, and never read its
// input. Go is a stand-in that succeeds at every call (vet, staticcheck,
// go mod tidy), and so is cfn-lint, so only the gofmt step can fail; the
// Makefile runs in a folder of its own, with no .git, its input a pipe
// left open.
func TestMakeLintChecksFormattingWithoutGit(t *testing.T) {
	makeBin, root := makeAndRoot(t)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	gofmt, err := exec.LookPath("gofmt")
	if err != nil {
		t.Fatalf("gofmt is not on PATH: %v", err)
	}
	tests := []struct {
		name     string
		source   string // pkg/a.go
		wantExit int
	}{
		{"formatted", "package pkg\n\nvar a = 1\n", 0},
		{"not formatted", "package pkg\nvar   a=1\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := hostileDir(t)
			if err := os.WriteFile(filepath.Join(dir, "Makefile"), makefile, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "pkg"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "pkg", "a.go"), []byte(tc.source), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			writeScript(t, filepath.Join(bin, "go"), "#!/bin/sh\nexit 0\n")
			// cfn-lint is a stand-in too: the machine's own, found on
			// /usr/bin where a package manager installs it, would check a
			// template.yaml this folder lacks (and took over 20 s to
			// start on a loaded machine), failing the formatted row.
			writeScript(t, filepath.Join(bin, "cfn-lint"), "#!/bin/sh\nexit 0\n")
			if err := os.Symlink(gofmt, filepath.Join(bin, "gofmt")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, makeBin, "-s", "-C", dir, "lint", "GO=go")
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
				name, _, _ := strings.Cut(kv, "=")
				return slices.Contains([]string{"PATH", "GO", "CI", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}, name)
			})
			// CI unset, as on a developer's machine.
			cmd.Env = append(cmd.Env, "PATH="+bin+string(os.PathListSeparator)+"/usr/bin"+string(os.PathListSeparator)+"/bin")
			stdin, keepOpen, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer keepOpen.Close()
			defer stdin.Close()
			cmd.Stdin = stdin
			// A gofmt left waiting on the input holds the output open
			// after make is killed: stop waiting for it.
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("make lint did not end within 20 s (reading its input?)\n%s", out)
			}
			if exit := exitCode(t, err); exit != tc.wantExit {
				t.Errorf("make lint exit: got %v; want %v\n%s", exit, tc.wantExit, out)
			}
		})
	}
}
