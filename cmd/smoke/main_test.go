package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
)

// TestExitCodeIsTheSmokesVerdict: make smoke runs this command (`$(GO) run
// ./cmd/smoke`), so its exit status is all make, CI or a deploy script sees
// of the verdict. README: "the first failure stops it with the answer it
// got": a failed smoke exits 1 (make then fails), a missing API_URL 2.
// Before this test, a main that dropped its os.Exit(1) passed every test,
// and make smoke would have passed a server that fails it.
func TestExitCodeIsTheSmokesVerdict(t *testing.T) {
	if os.Getenv("SMOKE_TEST_MAIN") == "1" {
		main()
		return // the smoke passed: the test binary exits 0
	}
	// No development issuer and no API: every path is 404.
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	for _, tc := range []struct {
		name, apiURL string
		code         int
	}{
		{"no API_URL", "", 2},
		{"a server the smoke fails", srv.URL, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestExitCodeIsTheSmokesVerdict$")
			cmd.Env = append(os.Environ(), "SMOKE_TEST_MAIN=1", "API_URL="+tc.apiURL, "TOKEN=", "PROC_TOKEN=")
			_ = cmd.Run()
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Errorf("API_URL=%q: exit code got %v; want %v", tc.apiURL, got, tc.code)
			}
		})
	}
}

// TestTokensAreTheirVariables: "TOKEN is a merchant's bearer token …,
// PROC_TOKEN a processor's" (the command's doc): the merchant's create
// carries TOKEN, the processor's event PROC_TOKEN. The server answers the
// create (and its replay) as the API does, and nothing after.
func TestTokensAreTheirVariables(t *testing.T) {
	const id = "0b6a3f1e-8c1d-4f5e-9a7b-2c3d4e5f6a7b"
	var mu sync.Mutex
	var seen []string // "METHOD /path Authorization"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Method != http.MethodPost || r.URL.Path != "/sessions" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Location", "/sessions/"+id)
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"` + id + `","status":"CREATED","merchantId":"merchant-1","createdAt":"2026-12-03T18:00:00Z"}`))
	}))
	defer srv.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitCodeIsTheSmokesVerdict$")
	cmd.Env = append(os.Environ(), "SMOKE_TEST_MAIN=1", "API_URL="+srv.URL, "TOKEN=merchant-token", "PROC_TOKEN=processor-token")
	_ = cmd.Run()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 {
		t.Fatal("got no request; want the smoke's first call")
	}
	want := []string{
		"POST /sessions Bearer merchant-token",
		"POST /sessions Bearer merchant-token",
		"POST /sessions/" + id + "/events Bearer processor-token",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("requests got %q; want %q", seen, want)
	}
}
