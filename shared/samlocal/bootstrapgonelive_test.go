package samlocal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRestartedRuntimeWithoutItsBootstrap: README's Troubleshooting has a
// stack whose bootstraps were removed while it ran (`make clean`) say
// "its bootstrap is gone ... stop make start-api and start it again,
// which builds it" (ErrBootstrapGone). An instance whose runtime must
// start again, after a crash, a panic or a timeout (the emulator resets
// the runtime and starts it at the next invocation), cannot once its
// bootstrap is gone: it stayed in its pool and answered every later
// request 500, the log saying only the emulator's "Runtime.InvalidEntrypoint
// ... fork/exec .../echo: no such file or directory" (measured on make
// start-api: the get-session runtime killed, its bootstrap removed, three
// requests 500), so ErrBootstrapGone was never said. The instance is
// given up at that failure, and the next start says ErrBootstrapGone.
func TestRestartedRuntimeWithoutItsBootstrap(t *testing.T) {
	built, _ := testBootstraps(t)
	bins := t.TempDir()
	entries, err := os.ReadDir(built)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(built, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bins, e.Name()), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := startTestStackOf(t, bins, 1, nil)
	p := s.pools["EchoFunction"]

	// The runtime exits mid-invocation; the emulator starts it again at
	// the next one.
	if r := send(t, "POST", s.URL+"/do/crash", nil); r.status != 500 {
		t.Fatalf("POST /do/crash = %d %q; want API Gateway's 500", r.status, r.body)
	}
	if err := os.Remove(filepath.Join(bins, "echo")); err != nil {
		t.Fatal(err)
	}
	if r := send(t, "GET", s.URL+"/items/after-crash", nil); r.status != 500 {
		t.Fatalf("GET after the bootstrap's removal = %d %q; want API Gateway's 500", r.status, r.body)
	}
	// The instance returns to the pool, or is given up, before its
	// request is answered (pool.invoke).
	p.mu.Lock()
	live := len(p.live)
	p.mu.Unlock()
	if live != 0 {
		t.Errorf("instances live after their runtime could not start again: got %d; want 0 (given up)", live)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.invoke(ctx, []byte(`{}`), ""); !errors.Is(err, ErrBootstrapGone) {
		t.Errorf("the next invocation: got %v; want ErrBootstrapGone", err)
	}
}
