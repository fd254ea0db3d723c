package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestShutdownCutsAStalledRequest: on Ctrl-C or SIGTERM the server lets
// requests under way finish for a while (localserver.Close), but a client
// that stalls its body holds its connection and handler for as long as it
// likes. Once the drain time is up the server closes that connection, so
// no goroutine is left reading it, and the stop is a clean one: run()
// returns nil (localapi exits 0), as for any other Ctrl-C. Before, the
// stop failed with "context deadline exceeded" (exit status 1) and the
// stalled connection stayed open.
func TestShutdownCutsAStalledRequest(t *testing.T) {
	// Waits out the drain timeout: beside the other waiting tests. run()
	// touches no signal (main does), so no process state is shared.
	t.Parallel()
	// A listener already open: a port chosen free and closed again could
	// be taken by a parallel test's server or emulator before run()
	// listened on it.
	ln := listener(t)
	vars := map[string]string{
		"DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"TABLE_NAME":        fmt.Sprintf("localapi-%d-%d", os.Getpid(), time.Now().UnixNano()),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return vars[k] }, ln, out, out, ready) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("run() = %v before it was ready; output:\n%s", err, out)
	}
	tok := mint(t, base, "merchant_id=m-1&scope=sessions:write")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Headers whole, then 10 of the 100 body bytes promised, and no more.
	fmt.Fprintf(c, "POST /sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"amount\":", tok)
	// The request is under way once the server holds the connection as
	// active; a second connection's answer shows the first was read.
	mint(t, base, "merchant_id=m-1")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run() after Ctrl-C with a stalled client = %v; want a clean stop", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run() has not returned 30 s after Ctrl-C")
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("the stalled connection after the stop: read got %v; want it closed by the server", err)
	}
}

// TestStopSignalsStopCleanly: `make run` is stopped by Ctrl-C, by SIGTERM,
// and by closing its terminal, which sends SIGHUP to the processes in it.
// Each is a clean stop: "Shutting down...", exit 0, so that DynamoDB
// Local, when the server started it, is stopped by the server (SIGTERM,
// waited for) rather than SIGKILLed by the kernel as its parent dies.
// Before, SIGHUP killed the server at once (signal: hangup), and the
// engine, killed mid-way through its own stop, left its
// /tmp/hsperfdata_<user>/<pid> file behind. The server here uses the
// tests' engine (DYNAMODB_ENDPOINT), so only its own stop is seen; an
// engine's stop on each signal, through the same dynamolocal, is
// cmd/dynamodb-local's and cmd/startapi's test of this name.
//
// `make run | tee log` too: Ctrl-C or a closed terminal ends tee as well,
// and the server's output is then a pipe no one reads. A write to it fails
// (EPIPE) and the stop carries on. Before, "Shutting down..." to that pipe
// killed the server (signal: broken pipe: Go's default for fd 1 and 2), and
// an engine it had started was SIGKILLed with it.
func TestStopSignalsStopCleanly(t *testing.T) {
	stoptest.HangupAsFromATerminal()
	storetest.RequireEngine(t)
	bin := buildBinary(t)
	for _, tc := range stoptest.Cases {
		t.Run(tc.Name(), func(t *testing.T) {
			sig := tc.Sig
			var cmd *exec.Cmd
			var teeGone func()
			exited, out := startOnAFreePort(t, "localapi", 60*time.Second, func(port string) (*exec.Cmd, *lockedBuffer) {
				cmd = exec.Command(bin)
				cmd.Env = []string{
					"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
					"PORT=" + port, "DYNAMODB_ENDPOINT=" + storetest.Endpoint(t),
					"TABLE_NAME=" + fmt.Sprintf("signal-%d-%d", os.Getpid(), time.Now().UnixNano()),
					"SWEEP_INTERVAL=1h",
				}
				out := &lockedBuffer{}
				teeGone = stoptest.Output(t, cmd, out, tc.TeeGone)
				return cmd, out
			})
			teeGone()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil || !tc.TeeGone && !strings.Contains(out.String(), "Shutting down...") {
					t.Errorf("localapi after %v: %v; want a clean stop (exit 0, Shutting down...)\n%s", sig, err, out)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("localapi still running 30 s after %v", sig)
			}
		})
	}
}

// TestNohupKeepsServingWhenTheTerminalCloses: `nohup make run &` is how a
// user keeps the server running past a closed terminal (or an ended ssh
// session): nohup starts the command with SIGHUP ignored, and a process
// that leaves it so is not stopped by the SIGHUP the closed terminal sends.
// Handling SIGHUP as a stop must not undo that: os/signal's Notify installs
// a handler for a signal the process was started ignoring ("it will no
// longer be ignored"), so the closed terminal stopped the nohup'ed server.
// The disposition is read from /proc (SigIgn), then a SIGHUP is sent and
// the server still answers, and Ctrl-C still stops it cleanly.
func TestNohupKeepsServingWhenTheTerminalCloses(t *testing.T) {
	storetest.RequireEngine(t)
	nohup, err := exec.LookPath("nohup")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	var cmd *exec.Cmd
	var port string
	exited, out := startOnAFreePort(t, "localapi", 60*time.Second, func(p string) (*exec.Cmd, *lockedBuffer) {
		port = p
		cmd = exec.Command(nohup, bin)
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"PORT=" + port, "DYNAMODB_ENDPOINT=" + storetest.Endpoint(t),
			"TABLE_NAME=" + fmt.Sprintf("nohup-%d-%d", os.Getpid(), time.Now().UnixNano()),
			"SWEEP_INTERVAL=1h",
		}
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		return cmd, out
	})
	if !sigIgnored(t, cmd.Process.Pid, syscall.SIGHUP) {
		t.Errorf("SIGHUP is not ignored by the server nohup started; want it left ignored")
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Ignored, the signal is discarded as it is sent: the server answers.
	base := "http://127.0.0.1:" + port
	if res, err := http.Get(base + "/local/token?merchant_id=m-1"); err != nil {
		t.Errorf("GET after SIGHUP under nohup: %v; want the server still serving\n%s", err, out)
	} else {
		res.Body.Close()
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil || strings.Count(out.String(), "Shutting down...") != 1 {
			t.Errorf("localapi after SIGHUP then Ctrl-C under nohup: %v; want one clean stop, at the Ctrl-C\n%s", err, out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("localapi still running 30 s after Ctrl-C")
	}
}

// startOnAFreePort starts the command start makes to serve on port, and
// waits until it says it serves (readyOrExited); the channel gets its
// Wait's result, and the test kills it if it still runs at the end. The
// port is a port freePort picked: closed again before the command
// listens, which make run does only after make has built it (seconds, on a
// loaded machine), so another server on the machine can take it first.
// The run then stops before it is ready, saying "is another server using
// the port?" (config's hint for PORT), and the command is started again on
// another port, up to three times in all.
func startOnAFreePort(t *testing.T, what string, limit time.Duration, start func(port string) (*exec.Cmd, *lockedBuffer)) (<-chan error, *lockedBuffer) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		cmd, out := start(port)
		exited, err := readyOrExited(t, cmd, out, what, limit)
		switch {
		case err == nil:
			return exited, out
		case attempt < 3 && (strings.Contains(out.String(), "is another server using the port?") || portTaken(port)):
			t.Logf("%s on port %s: another server took the port first; starting it on another\n%s", what, port, out)
		default:
			t.Fatalf("%s exited before it was ready: %v\n%s", what, err, out)
		}
	}
}

// portTaken reports whether something listens on port at 127.0.0.1: a
// command whose output reaches the test through a pipe (stoptest.Output's
// tee gone) may have said "is another server using the port?" when its
// exit is seen, before the copy of its output has.
func portTaken(port string) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return errors.Is(err, syscall.EADDRINUSE)
	}
	l.Close()
	return false
}

// readyOrExited starts cmd and waits until it says it serves (its Wait's
// result then goes to the channel), or until it exits first (its Wait's
// result returned, as an error never nil). A command still not ready after
// limit fails the test.
func readyOrExited(t *testing.T, cmd *exec.Cmd, out *lockedBuffer, what string, limit time.Duration) (<-chan error, error) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	group := cmd.SysProcAttr != nil && cmd.SysProcAttr.Setpgid
	t.Cleanup(func() {
		if group {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		} else {
			_ = cmd.Process.Kill()
		}
	})
	deadline := time.After(limit)
	for !strings.Contains(out.String(), "Press Ctrl-C to stop.") {
		select {
		case err := <-exited:
			if err == nil {
				err = errors.New("exit status 0")
			}
			return nil, err
		case <-deadline:
			t.Fatalf("%s not ready after %v\n%s", what, limit, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return exited, nil
}

// sigIgnored reports whether process pid ignores sig (/proc/<pid>/status,
// SigIgn: a hexadecimal mask, bit sig-1).
func sigIgnored(t *testing.T, pid int, sig syscall.Signal) bool {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return mask&(1<<(uint(sig)-1)) != 0
		}
	}
	t.Fatalf("/proc/%d/status has no SigIgn line", pid)
	return false
}
