package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// buildBinary builds the local server without the race detector, as `make
// run` does, and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "localapi")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary builds the local server without the race detector (as `make
// run` does) and runs it as its own process until the test ends. It
// returns the base URL and the process id.
func startBinary(t *testing.T, env map[string]string) (string, int) {
	t.Helper()
	storetest.RequireEngine(t)
	bin := buildBinary(t)
	port := freePort(t)
	vars := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"PORT=" + port, "DYNAMODB_ENDPOINT=" + storetest.Endpoint(t),
		"TABLE_NAME=" + fmt.Sprintf("load-%d-%d", os.Getpid(), time.Now().UnixNano()),
		"LOG_LEVEL=warn", "SWEEP_INTERVAL=1h",
	}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	cmd := exec.Command(bin)
	cmd.Env = vars
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if base, ok := strings.CutPrefix(sc.Text(), "paysessions API listening on "); ok {
				ready <- base
			}
		}
	}()
	select {
	case base := <-ready:
		return base, cmd.Process.Pid
	case <-time.After(60 * time.Second):
		t.Fatal("local server not ready after 60s")
	}
	return "", 0
}

// TestLoad: 10,000 creates, then 50,000 reads across the endpoints, from 64
// concurrent clients against the local server: no errors, every created
// session readable, and the counts match.
func TestLoad(t *testing.T) {
	// 64 clients on DynamoDB Local on a busy machine (or under -race)
	// get some writes answered only after seconds; the default WRITE_GUARD
	// cuts a write off after 4 s (503), which is right against DynamoDB but
	// is not what this test measures. A 30 s band keeps the cut-off out of
	// its way.
	base, _ := startBinary(t, map[string]string{"WRITE_GUARD": "30s"})
	token := mint(t, base, "merchant_id=m-load")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}, Timeout: 30 * time.Second}
	const clients, creates, reads = 64, 10_000, 50_000
	var errors atomic.Int64
	var firstErr atomic.Value
	call := func(method, path, body string, want int) []byte {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Merchant-Id", "m-load")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			errors.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
			return nil
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			errors.Add(1)
			firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s = %d %s", method, path, res.StatusCode, b))
		}
		return b
	}
	run := func(n int, op func(i int)) time.Duration {
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					op(i)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}

	ids := make([]string, creates)
	took := run(creates, func(i int) {
		b := call("POST", "/sessions", fmt.Sprintf(`{"amount":%d,"currency":"EUR","orderId":"load-%d"}`, i, i), http.StatusCreated)
		var s struct{ ID string }
		if json.Unmarshal(b, &s) == nil {
			ids[i] = s.ID
		}
	})
	t.Logf("%d creates in %s: %.0f/s", creates, took.Round(time.Millisecond), float64(creates)/took.Seconds())

	paths := []string{"/sessions/%s", "/v1/session/%s", "/v2.0/payments/%s/status", "/v1/checkout-sessions/%s", "/pps/api/v1/session-record/%s"}
	took = run(reads, func(i int) {
		id := ids[i%creates] // the first 10,000 reads read every session once
		if id == "" {
			return
		}
		b := call("GET", fmt.Sprintf(paths[i%len(paths)], id), "", http.StatusOK)
		if b != nil && !strings.Contains(string(b), id) {
			errors.Add(1)
			firstErr.CompareAndSwap(nil, "a read answered another session: "+string(b))
		}
	})
	t.Logf("%d reads in %s: %.0f/s", reads, took.Round(time.Millisecond), float64(reads)/took.Seconds())

	distinct := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			distinct[id] = true
		}
	}
	// The list of the day holds exactly the sessions created.
	day := time.Now().UTC().Format(time.DateOnly)
	listed := 0
	next := "/pps/api/v1/session-record?createdDate=" + day + "&limit=1000"
	for next != "" {
		req, _ := http.NewRequest("GET", base+next, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page []map[string]any
		_ = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		for _, r := range page {
			if distinct[r["session_id"].(string)] {
				listed++
			}
		}
		next = ""
		if link := res.Header.Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if n := errors.Load(); n != 0 {
		t.Errorf("%d errors; first: %v", n, firstErr.Load())
	}
	if len(distinct) != creates || listed != creates {
		t.Errorf("created %d distinct sessions, listed %d; want %d and %d", len(distinct), listed, creates, creates)
	}
}
