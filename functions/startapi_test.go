package functions_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/listening"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/smoke"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// lockedBuffer is a log the stack writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSmokeThroughStartAPI runs make start-api's stack (template.yaml's 13
// real bootstraps under aws-lambda-rie behind the HTTP API emulation, on
// the test's DynamoDB Local) and the smoke test (make smoke) against it,
// with tokens from the stack's development issuer; then the gateway's own
// answers, the sweeper on its schedule's event, and that Close leaves no
// process behind.
func TestSmokeThroughStartAPI(t *testing.T) {
	bins := buildBootstraps(t)
	table := "smoke-" + strconv.Itoa(os.Getpid())
	env := map[string]string{"DYNAMODB_ENDPOINT": storetest.Endpoint(t), "TABLE_NAME": table}
	db := storetest.Client(t, store.ClientOptions{})
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	s, err := samlocal.Start(ctx, samlocal.Options{
		Dir: root, Getenv: func(k string) string { return env[k] }, Bootstraps: bins, Listener: ln, Log: logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = s.Close()
		}
		if t.Failed() {
			t.Logf("stack log:\n%s", logs)
		}
	}()
	t.Logf("the stack started in %v", time.Since(start).Round(time.Millisecond))
	if s.Issuer == nil || len(s.Template.Functions) != len(functionDirs(t)) {
		t.Fatalf("stack: issuer %v, %d functions; want the development issuer and every function", s.Issuer, len(s.Template.Functions))
	}

	merchant := fmt.Sprintf("merchant-smoke-%d", os.Getpid())
	token := s.Issuer.MustMint(devtoken.Claims{Subject: "smoke", MerchantID: merchant, Scopes: []string{
		auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead, auth.ScopeUser, auth.ScopeAPIKeysWrite,
	}})
	proc := s.Issuer.MustMint(devtoken.Claims{Subject: "processor", Scopes: []string{auth.ScopeSessionsProcess}})
	var out bytes.Buffer
	smokeStart := time.Now()
	err = smoke.Run(ctx, smoke.Config{BaseURL: s.URL, Token: token, ProcessorToken: proc, Out: &out})
	t.Logf("smoke (%v):\n%s", time.Since(smokeStart).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("smoke.Run() = %v", err)
	}

	// API Gateway's own 404 for a path no route matches; a known path with
	// another method reaches its function through the ANY route (405).
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/no/such/route", http.StatusNotFound, `{"message":"Not Found"}`},
		{"DELETE", "/sessions", http.StatusMethodNotAllowed, ""},
	} {
		req, _ := http.NewRequest(tt.method, s.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.body != "" && string(b) != tt.body) {
			t.Errorf("%s %s = %d %s; want %d %s", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.body)
		}
	}

	if err := s.InvokeSchedule(ctx, "ExpirySweeperFunction"); err != nil {
		t.Errorf("the sweeper on its schedule's event: %v", err)
	}
	// The bootstrap's output reaches the log through a pipe the stack
	// copies on its own goroutine, as CloudWatch receives a function's log
	// after the invocation returns: wait for the line rather than expect it
	// the moment Invoke returns (CI once read the log a moment too early).
	sweptBy := time.Now().Add(30 * time.Second)
	for !sweepLogged(logs.String()) && time.Now().Before(sweptBy) {
		time.Sleep(50 * time.Millisecond)
	}
	if !sweepLogged(logs.String()) {
		t.Errorf("no sweep summary from the sweeper's bootstrap in the log within 30 s")
	}

	running := emulators(t)
	if len(running) == 0 {
		t.Fatalf("no aws-lambda-rie among this test's child processes while the stack runs")
	}
	closed = true
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	for _, pid := range running {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("process %d still runs after Close", pid)
		}
	}
}

// emulators lists this process's aws-lambda-rie children and their
// children (the bootstraps).
func emulators(t *testing.T) []int {
	t.Helper()
	if !listening.Readable() {
		t.Fatal("no /proc to read this process's children from")
	}
	var out []int
	for _, pid := range listening.Children(os.Getpid()) {
		if cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); !bytes.Contains(cmd, []byte("aws-lambda-rie")) {
			continue
		}
		out = append(out, pid)
		out = append(out, listening.Children(pid)...)
	}
	return out
}

// sweepLogged reports whether the stack's log holds the sweeper bootstrap's
// one-line summary of a sweep.
func sweepLogged(log string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, `ExpirySweeperFunction  {"time"`) && strings.Contains(line, `"msg":"sweep"`) {
			return true
		}
	}
	return false
}
