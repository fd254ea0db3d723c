package functions_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuildTargetWritesIntoAnyFolder: make build-<LogicalId> writes the
// bootstrap into ARTIFACTS_DIR whatever that folder is named. SAM's
// makefile build passes it in the environment as an absolute path under
// the project (<project>/.aws-sam/build/<LogicalId>), so a clone under
// "my repo/" gave go build `-o /…/my repo/…/bootstrap` split at the space
// ("package repo/.aws-sam/build/GetSessionFunction/bootstrap is not in
// std"), and make read a `$` in it as its own variable. The recipe is run
// for real with GO a stand-in that writes the arguments go would get.
func TestBuildTargetWritesIntoAnyFolder(t *testing.T) {
	bin := t.TempDir()
	argvFile := filepath.Join(t.TempDir(), "argv")
	if err := os.WriteFile(filepath.Join(bin, "fakego"), []byte("#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$FAKEGO_ARGV\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), `my repo ü $x $(y) ${z} 'q' "d" \ * -n`, ".aws-sam", "build", "GetSessionFunction")
	for _, how := range []string{"environment", "command line"} {
		args := []string{"--no-print-directory", "build-GetSessionFunction", "GO=fakego"}
		var env []string
		for _, kv := range os.Environ() { // not the flags of a make running this test
			if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" && k != "PATH" && k != "ARTIFACTS_DIR" {
				env = append(env, kv)
			}
		}
		env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKEGO_ARGV="+argvFile)
		if how == "environment" { // as SAM passes it
			env = append(env, "ARTIFACTS_DIR="+dir)
		} else {
			args = append(args, "ARTIFACTS_DIR="+dir)
		}
		_ = os.Remove(argvFile)
		cmd := exec.Command("make", args...)
		cmd.Dir = root
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("ARTIFACTS_DIR in the %s: make build-GetSessionFunction: %v\n%s", how, err, out)
			continue
		}
		raw, err := os.ReadFile(argvFile)
		if err != nil {
			t.Errorf("ARTIFACTS_DIR in the %s: go was not run: %v", how, err)
			continue
		}
		argv := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
		o := slices.Index(argv, "-o")
		if want := filepath.Join(dir, "bootstrap"); o < 0 || o+1 >= len(argv) || argv[o+1] != want {
			t.Errorf("ARTIFACTS_DIR in the %s: go got %q; want -o %q", how, argv, want)
		}
	}
}

// shellWords splits a command line make printed into the words the shell
// gives the command: single and double quotes and backslashes undone (no
// expansion; enough for the Makefile's recipes).
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	in := false // a word has begun (an empty '' is one)
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case c == '\'':
			in = true
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				end = len(line) - i - 1
			}
			w.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			in = true
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\\\"$`", line[i+1]) >= 0 {
					i++
				}
				w.WriteByte(line[i])
			}
		case c == '\\' && i+1 < len(line):
			in = true
			i++
			w.WriteByte(line[i])
		default:
			in = true
			w.WriteByte(c)
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
