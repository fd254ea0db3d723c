package samlocal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildNoticeWarnsOfAFirstBuild: start-api builds the functions with
// the deployment's flags (-trimpath, no cgo), which Go's cache keeps apart
// from make run's build, so its first build compiles every module again:
// minutes with no output, even right after make run (seen on a fresh
// clone: six silent minutes after "building 13 functions for this
// machine", where the Makefile's own first-build line had come before the
// seconds-long build of bin/startapi). The line before the build says so
// whenever a bootstrap is missing, and stays one short line once all are
// built.
func TestBuildNoticeWarnsOfAFirstBuild(t *testing.T) {
	pkgs := []string{"./functions/get-session", "./functions/create-session"}
	tests := []struct {
		name    string
		present []string
		want    bool
	}{
		{"nothing built yet", nil, true},
		{"one bootstrap missing", []string{"get-session"}, true},
		{"every bootstrap built", []string{"get-session", "create-session"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range tt.present {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("bootstrap"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			line := buildNotice(dir, pkgs)
			if !strings.HasPrefix(line, "building 2 functions for this machine") {
				t.Errorf("buildNotice = %q; want it to start with the line it replaces", line)
			}
			if got := strings.Contains(line, firstBuildWarning); got != tt.want {
				t.Errorf("buildNotice = %q: warns of a first build %v; want %v", line, got, tt.want)
			}
		})
	}
}
