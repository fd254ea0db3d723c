package docs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMakeBuildSaysItsFirstBuildMayTakeMinutes: "make build" is one of
// the commands README names, and its first run in a clone compiles every
// module for linux/arm64 (measured on a fresh machine: 275 s, where a
// rebuild took 16 s) with nothing but its first function's go build line
// on the terminal, as make run did before it said so in one line
// (first_build). make build must print such a line before its first go
// build when no bootstrap has been built in the folder yet, and none once
// they have. Go is a stand-in that prints a marker for each call and
// builds nothing; the Makefile runs in a folder of its own, with two
// functions.
func TestMakeBuildSaysItsFirstBuildMayTakeMinutes(t *testing.T) {
	makeBin, root := makeAndRoot(t)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	functions := []string{"alpha-one", "beta-two"}
	tests := []struct {
		name      string
		built     bool // every bin/<function>/bootstrap is there
		wantLines int  // lines before the first go build but the "build <function>" ones
	}{
		{"a fresh clone", false, 1},
		{"after a make build", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := hostileDir(t)
			if err := os.WriteFile(filepath.Join(dir, "Makefile"), makefile, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, fn := range functions {
				if err := os.MkdirAll(filepath.Join(dir, "functions", fn), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "functions", fn, "main.go"), []byte("package main\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if tc.built {
					if err := os.MkdirAll(filepath.Join(dir, "bin", fn), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, "bin", fn, "bootstrap"), nil, 0o755); err != nil {
						t.Fatal(err)
					}
				}
			}
			bin := t.TempDir()
			const marker = "STAND-IN-GO"
			writeScript(t, filepath.Join(bin, "go"), "#!/bin/sh\necho "+marker+"\nexit 0\n")

			cmd := exec.Command(makeBin, "-s", "-C", dir, "build", "GO=go")
			cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
				name, _, _ := strings.Cut(kv, "=")
				return slices.Contains([]string{"PATH", "GO", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}, name)
			})
			cmd.Env = append(cmd.Env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if exit := exitCode(t, err); exit != 0 {
				t.Fatalf("make build exit: got %v; want 0\n%s", exit, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			first := slices.Index(lines, marker)
			if got := strings.Count(string(out), marker+"\n"); got != len(functions) {
				t.Fatalf("go builds: got %v; want %v\n%s", got, len(functions), out)
			}
			others := 0
			for _, l := range lines[:first] {
				if !strings.HasPrefix(l, "build ") {
					others++
				}
			}
			if others != tc.wantLines {
				t.Errorf("lines before the first go build, but make build's own: got %v; want %v\n%s", others, tc.wantLines, out)
			}
		})
	}
}
