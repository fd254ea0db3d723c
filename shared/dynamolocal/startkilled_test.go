package dynamolocal_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestStartSaysHowTheJVMEndedBeforeItWasReady: README, Troubleshooting,
// on an engine that exited before it was ready: "the message says how the
// engine ended (an exit status or a signal) and ends with the engine's own
// output, which says why". A JVM killed while it starts (the kernel's
// out-of-memory killer, a user's kill -9) writes nothing: the message
// ended "exited before it was ready: " and said nothing of why
// (r95-review: make run's engine killed 0.3 s into its start). Start's
// error now carries how the JVM ended, as Exited does for an engine that
// was ready: an *exec.ExitError, its signal or status.
func TestStartSaysHowTheJVMEndedBeforeItWasReady(t *testing.T) {
	tests := []struct {
		name   string
		body   string // what the engine's java does, silently
		signal syscall.Signal
		status int
		killed bool // ErrKilled: what to do is said (TestKilledEngineSaysWhatToDo)
	}{
		{"killed", "kill -KILL $$\n", syscall.SIGKILL, -1, true},
		{"terminated", "kill -TERM $$\n", syscall.SIGTERM, -1, false},
		{"an exit status of its own", "exit 7\n", 0, 7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := dynamolocal.InstalledEngine(t)
			bin := t.TempDir()
			script := "#!/bin/sh\n" +
				"if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n" +
				tt.body
			if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
			// A registry that fails every download, should one be tried.
			reg := httptest.NewServer(http.NotFoundHandler())
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want an error")
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("Start() = %v; want it to carry the JVM's *exec.ExitError", err)
			}
			ws, ok := exit.Sys().(syscall.WaitStatus)
			if !ok {
				t.Fatalf("Start()'s ExitError.Sys() = %T; want syscall.WaitStatus", exit.Sys())
			}
			var sig syscall.Signal
			if ws.Signaled() {
				sig = ws.Signal()
			}
			if sig != tt.signal || ws.ExitStatus() != tt.status {
				t.Errorf("Start()'s JVM ended by signal %v, status %d; want signal %v, status %d", sig, ws.ExitStatus(), tt.signal, tt.status)
			}
			if got := errors.Is(err, dynamolocal.ErrKilled); got != tt.killed {
				t.Errorf("Start() = %v: ErrKilled %v; want %v", err, got, tt.killed)
			}
		})
	}
}
