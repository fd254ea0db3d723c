package samlocal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The stack tests run testdata/stack's template: its echo function, built
// once per test binary, under the real aws-lambda-rie.

var built struct {
	once     sync.Once
	dir, rie string
	err      error
}

func testBootstraps(t *testing.T) (bins, rie string) {
	t.Helper()
	storetest.RequireEngine(t) // a stack runs against DynamoDB Local
	built.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if built.dir, built.err = os.MkdirTemp("", "samlocal-test-"); built.err != nil {
			return
		}
		if built.err = Build(ctx, testStack, built.dir, []string{"./echo"}); built.err != nil {
			return
		}
		built.rie, built.err = FindEmulator(ctx, testStack)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir, built.rie
}

// syncBuffer is a log the stack writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var tableSeq atomic.Int32

// startTestStack starts testdata/stack with env on top of the test's
// engine and a fresh table name; the stack is closed, and its processes
// checked gone, when the test ends.
func startTestStack(t *testing.T, concurrency int, env map[string]string) (*Stack, *syncBuffer) {
	t.Helper()
	bins, _ := testBootstraps(t)
	return startTestStackOf(t, bins, concurrency, env)
}

// startTestStackOf is startTestStack with the bootstraps in bins.
func startTestStackOf(t *testing.T, bins string, concurrency int, env map[string]string) (*Stack, *syncBuffer) {
	t.Helper()
	return startTestStackWith(t, bins, concurrency, env, nil)
}

// startTestStackWith is startTestStackOf with its Options changed by edit
// (nil: none) before Start.
func startTestStackWith(t *testing.T, bins string, concurrency int, env map[string]string, edit func(*Options)) (*Stack, *syncBuffer) {
	t.Helper()
	_, rie := testBootstraps(t)
	vars := map[string]string{
		"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"TABLE_NAME":        fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1)),
		"FROM_SHELL":        "shell",
	}
	for k, v := range env {
		vars[k] = v
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := Options{
		Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: bins, Emulator: rie,
		Concurrency: concurrency, Log: logs, Listener: ln,
	}
	if edit != nil {
		edit(&o)
	}
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db := storetest.Client(t, store.ClientOptions{})
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(s.TableName)})
	})
	t.Cleanup(func() {
		before := emulatorProcesses()
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		// Close waits for the emulators, not for their runtimes, which it
		// kills last: a process killed still runs for a moment after the
		// kill returns (TestCanceledBuildLeavesNoCompiler's compiler
		// likewise). A runtime left behind runs on.
		deadline := time.Now().Add(10 * time.Second)
		for _, pid := range before {
			for running(pid) {
				if time.Now().After(deadline) {
					t.Errorf("process %d (%s) still runs 10 s after Close", pid, cmdline(pid))
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if t.Failed() {
			t.Logf("stack log:\n%s", logs)
		}
	})
	return s, logs
}

// emulatorProcesses lists this process's emulators and their runtimes.
func emulatorProcesses() []int {
	var out []int
	for _, pid := range childProcesses(os.Getpid()) {
		if strings.Contains(cmdline(pid), "aws-lambda-rie") {
			out = append(out, pid)
			out = append(out, childProcesses(pid)...)
		}
	}
	return out
}

func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, method, url string, body io.Reader, header ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// echoed is what the echo function answers by default.
type echoed struct {
	Event struct {
		RouteKey              string            `json:"routeKey"`
		RawPath               string            `json:"rawPath"`
		Cookies               []string          `json:"cookies"`
		Headers               map[string]string `json:"headers"`
		QueryStringParameters map[string]string `json:"queryStringParameters"`
		PathParameters        map[string]string `json:"pathParameters"`
		Body                  string            `json:"body"`
		IsBase64Encoded       bool              `json:"isBase64Encoded"`
		RequestContext        struct {
			RequestID string `json:"requestId"`
			Stage     string `json:"stage"`
		} `json:"requestContext"`
	} `json:"event"`
	Env map[string]string `json:"env"`
	PID int               `json:"pid"`
}

func decodeEcho(t *testing.T, r reply) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("echo answered %d %q: %v", r.status, r.body, err)
	}
	return e
}

func TestStackServesTheTemplateThroughTheEmulator(t *testing.T) {
	s, logs := startTestStack(t, 1, nil)

	r := send(t, "GET", s.URL+"/items/abc?x=1&x=2", nil, "Cookie", "a=1; b=2", "X-Dup", "1", "X-Dup", "2")
	e := decodeEcho(t, r)
	checks := []struct {
		name      string
		got, want any
	}{
		{"status", r.status, 200},
		{"routeKey", e.Event.RouteKey, "GET /items/{itemId}"},
		{"pathParameters.itemId", e.Event.PathParameters["itemId"], "abc"},
		{"queryStringParameters.x", e.Event.QueryStringParameters["x"], "1,2"},
		{"cookies", strings.Join(e.Event.Cookies, "|"), "a=1|b=2"},
		{"headers.x-dup", e.Event.Headers["x-dup"], "1,2"},
		{"stage", e.Event.RequestContext.Stage, "$default"},
		{"requestId is the apigw-requestid header", e.Event.RequestContext.RequestID, r.header.Get("Apigw-Requestid")},
		// The environment, as SAM CLI resolves it, plus the stack's values.
		{"env TABLE_NAME (the stack's)", e.Env["TABLE_NAME"], s.TableName},
		{"env DYNAMODB_ENDPOINT (the stack's)", e.Env["DYNAMODB_ENDPOINT"], s.DynamoDBEndpoint},
		{"env GREETING (parameter default)", e.Env["GREETING"], "hello"},
		{"env OVERRIDDEN (the function's over Globals')", e.Env["OVERRIDDEN"], "function"},
		{"env FROM_SHELL", e.Env["FROM_SHELL"], "shell"},
		{"env FROM_FILE (env.json Parameters)", e.Env["FROM_FILE"], "file"},
		{"env NOT_DECLARED (env.json, undeclared)", e.Env["NOT_DECLARED"], ""},
		{"env AWS_LAMBDA_FUNCTION_NAME", e.Env["AWS_LAMBDA_FUNCTION_NAME"], "EchoFunction"},
		{"env AWS_LAMBDA_FUNCTION_MEMORY_SIZE", e.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v; want %#v", c.name, c.got, c.want)
		}
	}
	if e.Env["AWS_LAMBDA_RUNTIME_API"] == "" {
		t.Errorf("no AWS_LAMBDA_RUNTIME_API: the function did not run under the emulator")
	}
	if !strings.Contains(logs.String(), "Parameters.NOT_DECLARED") {
		t.Errorf("the log does not say env.json's undeclared NOT_DECLARED was ignored:\n%s", logs)
	}

	routes := []struct{ method, path, routeKey string }{
		{"GET", "/items/special", "GET /items/special"},
		{"DELETE", "/items/abc", "ANY /items/{itemId}"},
		{"GET", "/files/a/b/c", "GET /files/{proxy+}"},
	}
	for _, rt := range routes {
		r := send(t, rt.method, s.URL+rt.path, nil)
		if e := decodeEcho(t, r); r.status != 200 || e.Event.RouteKey != rt.routeKey {
			t.Errorf("%s %s reached %q (%d); want %s", rt.method, rt.path, e.Event.RouteKey, r.status, rt.routeKey)
		}
	}

	r = send(t, "GET", s.URL+"/nowhere", nil)
	if r.status != 404 || string(r.body) != `{"message":"Not Found"}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("GET /nowhere = %d %s %q; want API Gateway's 404", r.status, r.header.Get("Content-Type"), r.body)
	}

	r = send(t, "POST", s.URL+"/do/bare", nil)
	if r.status != 200 || string(r.body) != `{"hello":"world"}` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("bare body: %d %s %q; want 200 application/json with the function's JSON", r.status, r.header.Get("Content-Type"), r.body)
	}
	// A bare JSON string is its value: the developer guide's output
	// "Hello from Lambda!" is interpreted as "body": "Hello from Lambda!".
	r = send(t, "POST", s.URL+"/do/barestring", nil)
	if r.status != 200 || string(r.body) != `Hello from Lambda!` || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("bare string: %d %s %q; want 200 application/json with the string's value", r.status, r.header.Get("Content-Type"), r.body)
	}
	r = send(t, "POST", s.URL+"/do/binary", nil)
	want := make([]byte, 256)
	for i := range want {
		want[i] = byte(i)
	}
	if r.status != 200 || !bytes.Equal(r.body, want) || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("base64 body: %d %s %v; want the 256 bytes", r.status, r.header.Get("Content-Type"), r.body)
	}
	r = send(t, "POST", s.URL+"/do/headers", nil)
	// multiValueHeaders is format 1.0's: a format 2.0 answer's is not read.
	if r.status != 201 || string(r.body) != "made" || r.header.Values("X-Many") != nil ||
		!slices.Equal(r.header.Values("X-Both"), []string{"a"}) || len(r.header.Values("Set-Cookie")) != 2 || r.header.Get("Content-Length") != "4" {
		t.Errorf("headers: %d %v %q", r.status, r.header, r.body)
	}

	// A binary request body arrives in base64, as HTTP APIs send it.
	gz := []byte{0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad}
	r = send(t, "GET", s.URL+"/items/body", bytes.NewReader(gz), "Content-Type", "application/json", "Content-Encoding", "gzip")
	if e := decodeEcho(t, r); !e.Event.IsBase64Encoded || e.Event.Body != "H4sIAN6t" {
		t.Errorf("gzip body arrived as %q (base64 %v); want H4sIAN6t in base64", e.Event.Body, e.Event.IsBase64Encoded)
	}

	// Failures are API Gateway's 500, and the function serves on.
	for _, action := range []string{"error", "malformed", "large", "crash", "panic", "panic", "sleep3s"} {
		r := send(t, "POST", s.URL+"/do/"+action, nil)
		if r.status != 500 || string(r.body) != `{"message":"Internal Server Error"}` {
			t.Errorf("POST /do/%s = %d %q; want API Gateway's 500", action, r.status, r.body)
		}
		if r := send(t, "GET", s.URL+"/items/after-"+action, nil); r.status != 200 {
			t.Errorf("after /do/%s: GET = %d %q; want the function to serve on", action, r.status, r.body)
		}
	}

	r = send(t, "POST", s.URL+"/do/x", bytes.NewReader(make([]byte, maxRequestBody+1)), "Content-Type", "application/octet-stream")
	if r.status != 413 || string(r.body) != `{"message":"Request Entity Too Large"}` {
		t.Errorf("an 11 MB body = %d %q; want API Gateway's 413", r.status, r.body)
	}

	access := logs.String()
	for _, wantLine := range []string{`"routeKey":"-","status":"404","error":"Not Found"`, `"routeKey":"GET /items/{itemId}","status":"200","error":"-"`, `"routeKey":"POST /do/{action}","status":"500","error":"Internal Server Error"`} {
		if !strings.Contains(access, wantLine) {
			t.Errorf("the access log has no line with %s:\n%s", wantLine, access)
		}
	}
}

// One emulator runs one invocation at a time: with one instance, four
// concurrent requests are served one after another, by one process; with
// two, by at most two.
func TestOneInvocationPerInstance(t *testing.T) {
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) {
			s, _ := startTestStack(t, n, nil)
			const requests, sleep = 4, 300 * time.Millisecond
			pids := make([]int, requests)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range requests {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := send(t, "POST", s.URL+"/do/sleep"+sleep.String(), nil)
					if r.status != 200 {
						t.Errorf("request %d = %d %q", i, r.status, r.body)
						return
					}
					pids[i] = decodeEcho(t, r).PID
				}()
			}
			wg.Wait()
			took := time.Since(start)
			slices.Sort(pids)
			if distinct := len(slices.Compact(pids)); distinct > n {
				t.Errorf("%d functions served the requests; want at most %d", distinct, n)
			}
			if min := time.Duration(requests/n) * sleep; took < min {
				t.Errorf("%d requests of %v took %v on %d instances; want at least %v (one invocation per instance at a time)", requests, sleep, took, n, min)
			}
		})
	}
}

// Past the integration timeout API Gateway answers 503 while the function
// goes on; the instance is free again once it is done.
func TestIntegrationTimeout(t *testing.T) {
	saved := integrationTimeout
	integrationTimeout = 500 * time.Millisecond
	t.Cleanup(func() { integrationTimeout = saved })
	s, _ := startTestStack(t, 1, nil)
	r := send(t, "POST", s.URL+"/do/sleep1s", nil)
	if r.status != 503 || string(r.body) != `{"message":"Service Unavailable"}` {
		t.Errorf("a 1 s invocation with a 500 ms integration timeout = %d %q; want API Gateway's 503", r.status, r.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := send(t, "GET", s.URL+"/items/next", nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instance never served again: %d %q", r.status, r.body)
		}
	}
}

func TestSchedulesInvokeWithTheirEvent(t *testing.T) {
	s, logs := startTestStack(t, 1, map[string]string{"SWEEP_INTERVAL": "1s"})
	want := `TickFunction  scheduled event {"source":"test.scheduler","task":"tick"}`
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log after 20 s:\n%s", want, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.InvokeSchedule(context.Background(), "TickFunction"); err != nil {
		t.Errorf("InvokeSchedule(TickFunction) = %v", err)
	}
	if err := s.InvokeSchedule(context.Background(), "EchoFunction"); err == nil {
		t.Errorf("InvokeSchedule(EchoFunction) = nil; want an error: it has no schedule")
	}
}

// childEnv marks the test binary started as the stack of
// TestNothingOutlivesAKilledStack.
const childEnv = "SAMLOCAL_TEST_STACK"

// runChildStack serves testdata/stack, has the echo function run once,
// prints the pids of its emulator and runtime, and waits to be killed.
func runChildStack() {
	ctx := context.Background()
	s, err := Start(ctx, Options{Dir: testStack, Bootstraps: os.Getenv(childEnv), Emulator: os.Getenv(childEnv + "_RIE"), Concurrency: 1})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	resp, err := http.Get(s.URL + "/items/x")
	if err != nil || resp.StatusCode != 200 {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	resp.Body.Close()
	fmt.Println("PIDS", strings.Trim(fmt.Sprint(emulatorProcesses()), "[]"))
	select {}
}

// SIGKILL gives start-api no chance to stop anything: the kernel's
// parent-death signal stops the emulators, and each stops its runtime.
func TestNothingOutlivesAKilledStack(t *testing.T) {
	bins, rie := testBootstraps(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// The last of duplicate variables is the one the child sees.
	cmd.Env = append(os.Environ(), childEnv+"="+bins, childEnv+"_RIE="+rie,
		"TABLE_NAME=samlocal-child-"+strconv.Itoa(os.Getpid()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd.Env = append(cmd.Env, "PORT="+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 3 || fields[0] != "PIDS" {
		t.Fatalf("the child stack said %q (%v); want PIDS <emulator> <runtime>", line, err)
	}
	var pids []int
	for _, f := range fields[1:] {
		pid, err := strconv.Atoi(f)
		if err != nil || !running(pid) {
			t.Fatalf("pid %q: %v, running %v", f, err, running(pid))
		}
		pids = append(pids, pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d (%s) outlived the killed stack by 10 s", pid, cmdline(pid))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// addrListener is a listener that reports another address than the one it
// listens on: the stack believes it serves there.
type addrListener struct {
	net.Listener
	addr net.Addr
}

func (l addrListener) Addr() net.Addr { return l.addr }

// TestStackRefusesAnIssuerItsFunctionsRefuse: "JWKS URL ... https, or plain
// http to a loopback host" (shared/config), which every function checks at
// start-up as in Lambda. With the development issuer, the stack points the
// functions at its own JWKS; on HOST=<a LAN address> that URL is plain http
// to a host that is not a loopback one, so every function exited at its
// first invocation (ConfigError) and every request was API Gateway's 500,
// while the banner said the API was up. The stack refuses such a start-up
// instead, naming the way out (HOST=0.0.0.0 listens on loopback too).
func TestStackRefusesAnIssuerItsFunctionsRefuse(t *testing.T) {
	bins, rie := testBootstraps(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	lan := addrListener{ln, &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: port}}
	vars := map[string]string{
		"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"TABLE_NAME":        fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1)),
	}
	getenv := func(k string) string { return vars[k] }
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{Dir: testStack, Getenv: getenv, Bootstraps: bins, Emulator: rie, Log: io.Discard, Listener: lan})
	if err == nil {
		defer s.Close()
		// What each function does with the environment it is given.
		_, ferr := config.Load(func(k string) string {
			if k == "JWKS_URL" {
				return s.Config.JWKSURL
			}
			return config.WithLocalDefaults(getenv)(k)
		})
		t.Fatalf("Start on %s = a stack whose functions get JWKS_URL=%s (their start-up: %v); want Start refused", lan.addr, s.Config.JWKSURL, ferr)
	}
	if !errors.Is(err, ErrIssuerNotLoopback) {
		t.Errorf("Start on %s = %v; want ErrIssuerNotLoopback", lan.addr, err)
	}
}

// TestStackOnEveryInterfaceServesItsIssuerOnLoopback: the refusal above
// names its way out, "listen ... on every interface (HOST=0.0.0.0 or ::,
// loopback included)". On such a listener the stack's URL, and so the
// development issuer's JWKS_URL the functions are given, is loopback's
// (127.0.0.1), which the functions accept; with the unspecified address
// kept, JWKS_URL=http://0.0.0.0:<port>/... is refused, and so is Start.
func TestStackOnEveryInterfaceServesItsIssuerOnLoopback(t *testing.T) {
	bins, rie := testBootstraps(t)
	for _, unspecified := range []string{"0.0.0.0", "::"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		everywhere := addrListener{ln, &net.TCPAddr{IP: net.ParseIP(unspecified), Port: port}}
		vars := map[string]string{
			"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
			"TABLE_NAME":        fmt.Sprintf("samlocal-%d-%d", os.Getpid(), tableSeq.Add(1)),
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		s, err := Start(ctx, Options{Dir: testStack, Getenv: func(k string) string { return vars[k] }, Bootstraps: bins, Emulator: rie, Log: io.Discard, Listener: everywhere})
		cancel()
		if err != nil {
			t.Errorf("Start on %s = %v; want a stack", everywhere.addr, err)
			continue
		}
		if got, want := s.URL, fmt.Sprintf("http://127.0.0.1:%d", port); got != want {
			t.Errorf("Start on %s: URL got %v; want %v", everywhere.addr, got, want)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		db := storetest.Client(t, store.ClientOptions{})
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(s.TableName)})
	}
}
