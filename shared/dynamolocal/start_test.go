// Package dynamolocal_test tests DynamoDB Local's installation, start-up and
// stopping as the tests and the local tools use them.
package dynamolocal_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestStartWithoutJava: Java is the one thing the machine must provide.
// Without it Start says so, before downloading anything. (A real install
// and start with only Java on PATH: cmd/dynamodb-local's
// TestFreshMachineWithoutNPM.)
func TestStartWithoutJava(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	_, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Dir: dir})
	if !errors.Is(err, dynamolocal.ErrNoJava) {
		t.Fatalf("Start() without java = %v; want ErrNoJava", err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("install folder = %v; want it untouched", names)
	}
}

// TestStartOnABusyPort: a fixed port another server holds (a second `go run
// ./cmd/dynamodb-local -port 8000`, the README's SAM CLI recipe, beside an
// engine already there) is refused before anything starts. Before, the
// readiness probe took the other server's answer for the engine's, so
// Start reported an engine at that port while its own JVM had exited
// ("Address already in use"): the caller used, and later believed it had
// stopped, someone else's server. Refusing needs no Java, and the test
// runs without it: `make test-short` is "the tests that need no DynamoDB
// Local and no Java", and before, on a machine without Java, this test got
// ErrNoJava and failed it.
func TestStartOnABusyPort(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest) // any HTTP answer, as DynamoDB Local gives an unsigned request
	}))
	defer other.Close()
	port := other.Listener.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir, Port: port})
	if err == nil {
		e.Stop()
		t.Fatalf("Start(Port: %d) with another server on it = engine at %s; want ErrPortInUse", port, e.Endpoint)
	}
	if !errors.Is(err, dynamolocal.ErrPortInUse) {
		t.Fatalf("Start(Port: %d) with another server on it = %v; want ErrPortInUse", port, err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("install folder = %v; want it untouched", names)
	}
}

// TestEngineRefusesWebPages: DynamoDB Local takes any credentials, and its
// -help says its CORS allow-list defaults to '*' ("use '*' for public
// access (default is '*')"), which would let any web page open in the
// developer's browser call the engine the make targets start. The pinned
// engine, started as Start starts it, answers a page's preflight for the
// calls the SDK makes (POST with X-Amz-Target) with no
// Access-Control-Allow-Origin, so the browser never sends them; this test
// holds that across engine upgrades.
func TestEngineRefusesWebPages(t *testing.T) {
	storetest.RequireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	for _, origin := range []string{"https://evil.example", "http://localhost:3000", "http://127.0.0.1", "null"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodOptions, e.Endpoint+"/", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-target")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin = %q; want none", origin, got)
		}
	}
}
