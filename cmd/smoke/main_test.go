package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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
