package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMakeRunAsOnAFreshMachine runs `make run` itself, the Makefile's
// recipe and not only the binary it builds, as a new user's first command
// on a fresh machine: an empty HOME (no ~/.npmrc, no Go settings file, no
// tools installed under it), a PATH of only what such a machine has, with
// an npm first on it that fails as a half-installed one does, and no
// DYNAMODB_ENDPOINT, so make run starts its own DynamoDB Local. It must
// serve (a token, then a created session), and Ctrl-C to its process
// group, as a terminal sends it, must stop everything it started: make,
// the server and the engine. A fresh machine once could not run make run
// while CI passed, since CI ran only make test on a machine whose npm
// worked; CI now runs this test. Go's module and build caches are the
// tests' own (a fresh machine fills its own, which takes minutes: that is
// README's "first make run"), as are GOFLAGS (below), and so is the
// engine's install folder when DYNAMODB_LOCAL_DIR names one (the install
// into an empty folder, from a registry, is dynamolocal's
// TestInstallFromRegistry; the installer runs no npm).
func TestMakeRunAsOnAFreshMachine(t *testing.T) {
	storetest.RequireEngine(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// A fresh machine's PATH: Go's bin folder, then the system's; the
	// tools the recipe runs (make, java, sh) come from there.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	broken := t.TempDir()
	for _, tool := range []string{"npm", "npx"} {
		stub := "#!/bin/sh\necho \"Error: Cannot find module '/usr/lib/node_modules/npm/bin/npm-cli.js'\" >&2\nexit 1\n"
		if err := os.WriteFile(filepath.Join(broken, tool), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := strings.Join([]string{broken, filepath.Dir(goBin), "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}, ":")
	for _, tool := range []string{"make", "java"} {
		if _, err := lookPathIn(tool, path); err != nil {
			t.Fatalf("%s is not on a fresh machine's PATH (%s): %v", tool, path, err)
		}
	}
	env := []string{
		"HOME=" + t.TempDir(), "PATH=" + path, // no LANG: a fresh container sets none
		"GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOCACHE=" + goEnv(t, "GOCACHE"),
		"SWEEP_INTERVAL=1h",
	}
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		env = append(env, "DYNAMODB_LOCAL_DIR="+d)
	}
	// The machine's GOFLAGS, which an empty HOME would drop with Go's
	// settings file. A checkout whose owner is not the user (git's
	// "dubious ownership") no longer needs a -buildvcs=false there: the
	// Makefile's builds say it themselves (docs'
	// TestMakeBuildsWhereGitCannotBeRead).
	if f := goEnv(t, "GOFLAGS"); f != "" {
		env = append(env, "GOFLAGS="+f)
	}
	var cmd *exec.Cmd
	exited, out := startOnAFreePort(t, "make run", 5*time.Minute, func(port string) (*exec.Cmd, *lockedBuffer) {
		cmd = exec.Command("make", "--no-print-directory", "-C", root, "run")
		cmd.Path, _ = lookPathIn("make", path)
		cmd.Env = append(slices.Clip(env), "PORT="+port)
		// A terminal's job: a process group of its own, which Ctrl-C signals.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		return cmd, out
	})
	m := regexp.MustCompile(`API listening on (http://\S+)\n\s+DynamoDB:\s+(http://(\S+))`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("make run's banner names no address and engine:\n%s", out)
	}
	base, engine := m[1], m[3]
	tok := mint(t, base, "merchant_id=merchant-1")
	req, _ := http.NewRequest("POST", base+"/sessions", strings.NewReader(`{"orderId":"order-1","amount":8800,"currency":"ZAR"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /sessions on make run = %d %s; want 201\n%s", res.StatusCode, b, out)
	}

	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("make run still running 30 s after Ctrl-C\n%s", out)
	}
	if !strings.Contains(out.String(), "Shutting down...") {
		t.Errorf("make run after Ctrl-C did not say Shutting down...\n%s", out)
	}
	// Nothing it started is left: the server's port and the engine's are
	// free, and no process of its group runs.
	for _, addr := range []string{strings.TrimPrefix(base, "http://"), engine} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still answers after make run stopped; want nothing left\n%s", addr, out)
		}
	}
	if err := syscall.Kill(-cmd.Process.Pid, 0); err == nil {
		t.Errorf("a process of make run's group %d is left after Ctrl-C", cmd.Process.Pid)
	}
}

// lookPathIn is exec.LookPath over path rather than this process's PATH.
func lookPathIn(file, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in %s", file, path)
}

// goEnv is `go env name`.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	b, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
