package samlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// instance is one execution environment: an aws-lambda-rie process running
// one function's bootstrap. Like a Lambda instance it runs one invocation at
// a time (the emulator panics on a second concurrent one), initialises the
// function on its first invocation, and resets it after a timeout or a
// crash.
type instance struct {
	fn         *Function
	bootstrap  string // the function's binary, which the emulator runs
	cmd        *exec.Cmd
	invokeURL  string
	runtimeAPI string        // the address of its Runtime API
	done       chan struct{} // closed when the emulator has exited
	client     *http.Client
	stopOnce   sync.Once
}

// ErrBootstrapGone is startInstance's answer for a function whose bootstrap
// (or its folder, the emulator's working directory) is no longer there,
// removed while the stack runs (`make clean`): no instance of it can start
// until the stack is started again, which builds it.
var ErrBootstrapGone = errors.New("its bootstrap is gone")

// bootstrapGone is ErrBootstrapGone for bootstrap, saying what to do.
func bootstrapGone(bootstrap string) error {
	return fmt.Errorf("%w: %s was removed while start-api ran (make clean?): stop make start-api and start it again, which builds it", ErrBootstrapGone, bootstrap)
}

// startInstance starts the emulator on bootstrap with env as the function's
// whole environment (the emulator passes its own environment to the
// function) and waits until it accepts invocations.
func startInstance(ctx context.Context, rie, bootstrap string, fn *Function, env map[string]string, logs io.Writer) (*instance, error) {
	var vars []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		// Go's exec names no variable ("exec: environment variable
		// contains NUL", or the kernel's "argument list too long").
		if e := envError(k, env[k]); e != nil {
			return nil, fmt.Errorf("start aws-lambda-rie for %s: %w", fn.LogicalID, e)
		}
		vars = append(vars, k+"="+env[k])
	}
	// Go names the program whatever part of a start fails, the working
	// directory's included: without this a bootstrap removed with its
	// folder read as the emulator's copy missing, and one removed alone
	// started an emulator that failed every invocation.
	if _, err := os.Stat(bootstrap); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("start aws-lambda-rie for %s: %w", fn.LogicalID, bootstrapGone(bootstrap))
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := pickPorts(2)
		if err != nil {
			return nil, err
		}
		emu := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		runtimeAPI := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
		cmd := exec.Command(rie,
			"--log-level", "error",
			"--runtime-interface-emulator-address", emu,
			"--runtime-api-address", runtimeAPI,
			bootstrap)
		cmd.Dir = emulatorDir(bootstrap)
		cmd.Env = vars
		cmd.Stdout = logs
		cmd.Stderr = logs
		cmd.SysProcAttr = sysProcAttr()
		// The runtime shares the emulator's output; should it outlive the
		// emulator, Wait must not wait for it to close the pipe.
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start aws-lambda-rie for %s: %w", fn.LogicalID, err)
		}
		inst := &instance{
			fn: fn, bootstrap: bootstrap, cmd: cmd, done: make(chan struct{}),
			invokeURL:  "http://" + emu + "/2015-03-31/functions/function/invocations",
			runtimeAPI: runtimeAPI,
			client:     &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}},
		}
		go func() {
			_ = cmd.Wait()
			// Wait has copied the last of the output: a line the
			// process was cut off in is written now, not held to
			// head the next line written to logs.
			if f, ok := logs.(interface{ Flush() }); ok {
				f.Flush()
			}
			close(inst.done)
		}()
		// Both addresses: the function dials the runtime API as soon as the
		// first invocation starts it, and one that found nothing listening
		// there exits (an init failure, API Gateway's 500). Under load the
		// emulator's two listeners come up apart, and a port freePorts
		// found may be taken before the emulator binds it, by any process
		// (another emulator among them): then the emulator exits, while
		// its other address and the taker's already accept.
		if lastErr = inst.waitReady(ctx, ports...); lastErr == nil {
			return inst, nil
		}
		inst.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// In the function's log, so that a failure later can be told from
		// this retry.
		fmt.Fprintf(logs, "aws-lambda-rie on %s and %s: %v; starting another\n", emu, runtimeAPI, lastErr)
	}
	return nil, fmt.Errorf("aws-lambda-rie for %s did not start: %w", fn.LogicalID, lastErr)
}

// emulatorDir is the working directory of bootstrap's emulator, which the
// emulator gives the function as its own: the bootstrap's folder (as
// Lambda runs a function in its code's, /var/task), but "/" when that
// folder is no file URL's path. The emulator, before it listens, makes a
// file URL of its working directory (its telemetry schema's) and panics
// when that fails: a folder holding a control character (a tab, a line
// break) or a % not followed by two hex digits, in the clone's path or
// TMPDIR's (TestEmulatorStartsInAnyFolder).
func emulatorDir(bootstrap string) string {
	dir := filepath.Dir(bootstrap)
	// os.Getwd, which the emulator asks, names the folder without links.
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	if _, err := url.Parse("file://" + filepath.ToSlash(real) + "/"); err != nil {
		return "/"
	}
	return dir
}

// readyTimeout is how long an emulator may take to listen. A variable for
// tests.
var readyTimeout = 15 * time.Second

// waitReady waits until the emulator's own process listens on every one
// of ports (on 127.0.0.1). That something accepts there is not enough: a
// port freePorts found free may have been taken since by another process,
// which then answers in the emulator's stead (another emulator, which a
// second invocation crashes: a full-suite run once got API Gateway's 500
// from "read: connection reset by peer"), while the emulator, unable to
// bind it, exits.
func (i *instance) waitReady(ctx context.Context, ports ...int) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		missing, err := notListening(i.cmd.Process.Pid, ports)
		if err != nil {
			return err
		}
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-i.done:
			return fmt.Errorf("the emulator exited before it listened on 127.0.0.1:%d (port taken?)", missing[0])
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator is not listening on 127.0.0.1:%d after %s", missing[0], readyTimeout)
		}
	}
}

func (i *instance) alive() bool {
	select {
	case <-i.done:
		return false
	default:
		return true
	}
}

// stop ends the emulator and its function: SIGTERM lets the emulator stop
// the runtime it started (in the runtime's own process group) and exit;
// past 3 s both groups are killed. Each is signalled only while it is
// provably the process started (runtimesOf, killGroup): a reaped one's id
// may be another program's by then.
func (i *instance) stop() {
	i.stopOnce.Do(func() {
		emu := i.cmd.Process
		runtimes := runtimesOf(emu)
		defer func() {
			for _, r := range runtimes {
				r.release()
			}
		}()
		if i.alive() {
			terminate(emu)
			select {
			case <-i.done:
			case <-time.After(3 * time.Second):
				killEmulatorGroup(emu)
				for _, r := range runtimes {
					killGroup(r)
				}
				<-i.done
			}
		}
		for _, r := range runtimes {
			killGroup(r)
		}
		i.client.CloseIdleConnections()
	})
}

// invocation is the outcome of one invocation.
type invocation struct {
	payload  []byte
	failure  string // set when the invocation failed: a function error, a timeout, an init failure
	broken   bool   // the instance can take no more invocations
	duration time.Duration
}

// invoke posts one event to the emulator and waits for the outcome: at
// most the function's timeout, which the emulator enforces, plus a grace
// period after which the instance is given up.
func (i *instance) invoke(payload []byte, traceHeader string) invocation {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), i.fn.Timeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, i.invokeURL, bytes.NewReader(payload))
	if err != nil {
		return invocation{failure: err.Error(), broken: true}
	}
	req.Header.Set("X-Amzn-RequestId", uuid.NewString())
	if traceHeader != "" {
		req.Header.Set("X-Amzn-Trace-Id", traceHeader)
	}
	resp, err := i.client.Do(req)
	if err != nil {
		return invocation{failure: "the emulator did not answer: " + err.Error(), broken: true, duration: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInvokeResponse+1))
	inv := invocation{payload: body, duration: time.Since(start)}
	switch {
	case err != nil:
		inv.failure, inv.broken = "reading the emulator's answer: "+err.Error(), true
	case resp.StatusCode == http.StatusBadGateway:
		// An init failure or a runtime that exited; the emulator resets it
		// and starts it again at the next invocation, which it cannot once
		// the bootstrap is gone (make clean beside the stack): the
		// instance is given up, so that the next start says
		// ErrBootstrapGone, not the emulator's fork/exec failure at every
		// request.
		inv.failure = "invocation failed: " + string(body)
		if _, err := os.Stat(i.bootstrap); errors.Is(err, fs.ErrNotExist) {
			inv.failure, inv.broken = fmt.Sprintf("%v (%s)", bootstrapGone(i.bootstrap), inv.failure), true
		}
	case resp.StatusCode != http.StatusOK:
		inv.failure, inv.broken = fmt.Sprintf("the emulator answered %d: %s", resp.StatusCode, body), true
	case bytes.HasPrefix(body, []byte("Task timed out after")):
		inv.failure = string(body)
	case isFunctionError(body):
		inv.failure = "function error: " + string(body)
	case len(body) > maxInvokeResponse:
		inv.failure = fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes)", maxInvokeResponse)
	}
	return inv
}

// pool runs one function on up to size instances, started when needed (a
// cold start), and queues invocations beyond them.
type pool struct {
	fn    *Function
	start func(context.Context) (*instance, error)
	idle  chan *instance
	slots chan struct{} // one token per live instance
	quit  chan struct{} // closed by close

	mu     sync.Mutex
	live   map[*instance]bool
	closed bool
	wg     sync.WaitGroup // invocations under way
}

func newPool(fn *Function, size int, start func(context.Context) (*instance, error)) *pool {
	return &pool{fn: fn, start: start, idle: make(chan *instance, size), slots: make(chan struct{}, size), quit: make(chan struct{}), live: map[*instance]bool{}}
}

var errPoolClosed = errors.New("the stack is stopping")

// acquire returns a free instance, starting one if the pool is not full,
// else waits for one until ctx ends.
func (p *pool) acquire(ctx context.Context) (*instance, error) {
	for {
		var inst *instance
		select {
		case inst = <-p.idle:
		default:
			select {
			case inst = <-p.idle:
			case p.slots <- struct{}{}:
				p.mu.Lock()
				closed := p.closed
				p.mu.Unlock()
				if closed {
					<-p.slots
					return nil, errPoolClosed
				}
				started, err := p.start(ctx)
				if err != nil {
					<-p.slots
					return nil, err
				}
				p.mu.Lock()
				if p.closed {
					p.mu.Unlock()
					started.stop()
					<-p.slots
					return nil, errPoolClosed
				}
				p.live[started] = true
				p.mu.Unlock()
				return started, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-p.quit:
				return nil, errPoolClosed
			}
		}
		if inst.alive() {
			return inst, nil
		}
		p.discard(inst)
	}
}

func (p *pool) release(inst *instance, broken bool) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed || broken || !inst.alive() {
		p.discard(inst)
		return
	}
	p.idle <- inst
}

func (p *pool) discard(inst *instance) {
	inst.stop()
	p.mu.Lock()
	if p.live[inst] {
		delete(p.live, inst)
		<-p.slots
	}
	p.mu.Unlock()
}

// invoke runs payload on an instance. ctx bounds the wait for an instance
// and for the outcome; once an instance has the event, the invocation runs
// to its end (an emulator cannot be interrupted mid-invocation), and a
// caller that stops waiting gets ctx's error while the instance finishes
// and returns to the pool.
func (p *pool) invoke(ctx context.Context, payload []byte, traceHeader string) (invocation, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return invocation{}, errPoolClosed
	}
	p.wg.Add(1)
	p.mu.Unlock()
	inst, err := p.acquire(ctx)
	if err != nil {
		p.wg.Done()
		return invocation{}, err
	}
	out := make(chan invocation, 1)
	go func() {
		defer p.wg.Done()
		inv := inst.invoke(payload, traceHeader)
		p.release(inst, inv.broken)
		out <- inv
	}()
	select {
	case inv := <-out:
		return inv, nil
	case <-ctx.Done():
		return invocation{}, ctx.Err()
	}
}

// close stops every instance, after the invocations under way end.
func (p *pool) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.mu.Lock()
	var all []*instance
	for inst := range p.live {
		all = append(all, inst)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, inst := range all {
		wg.Add(1)
		go func() { defer wg.Done(); p.discard(inst) }()
	}
	wg.Wait()
}

// pickPorts finds the ports of a new emulator. A variable for tests.
var pickPorts = freePorts

// freePorts returns n ports that were free a moment ago; nothing keeps
// another process from taking one before the emulator binds it, which
// waitReady checks.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
