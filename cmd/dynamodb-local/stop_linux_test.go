package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/listening"
	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestStopSignalsStopCleanly: `go run ./cmd/dynamodb-local` serving alone
// is stopped by Ctrl-C, by SIGTERM, and by closing its terminal, which
// sends SIGHUP to the processes in it. Each is a clean stop: exit 0, and
// the engine stopped by the command (SIGTERM, waited for) rather than
// SIGKILLed by the kernel as its parent dies, so that the JVM removes its
// /tmp/hsperfdata_<user>/<pid> file. Before, SIGHUP killed the command at
// once (signal: hangup), and the engine, killed with it, left that file
// behind (make run's TestStopSignalsStopCleanly, cmd/localapi).
func TestStopSignalsStopCleanly(t *testing.T) {
	stoptest.HangupAsFromATerminal()
	t.Parallel()
	storetest.RequireEngine(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t, goTool)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "-port", "0")
			// The engine runs without HotSpot's performance data
			// (-XX:-UsePerfData); _JAVA_OPTIONS, read after the command
			// line, turns it back on here, so that the file a clean exit
			// removes and a kill leaves witnesses how the engine stopped.
			cmd.Env = append(environWithout("DYNAMODB_ENDPOINT"), "_JAVA_OPTIONS=-XX:+UsePerfData")
			cmd.SysProcAttr = dieWithParent()
			out := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			deadline := time.After(3 * time.Minute)
			for !strings.Contains(out.String(), "DynamoDB Local at") {
				select {
				case err := <-exited:
					t.Fatalf("dynamodb-local exited before the engine was ready: %v\n%s", err, out)
				case <-deadline:
					t.Fatalf("dynamodb-local not ready after 3 minutes\n%s", out)
				case <-time.After(50 * time.Millisecond):
				}
			}
			engines := listening.Children(cmd.Process.Pid)
			if len(engines) != 1 {
				t.Fatalf("dynamodb-local %d has children %v; want one, the engine", cmd.Process.Pid, engines)
			}
			engine := engines[0]
			perfData := filepath.Join("/tmp", "hsperfdata_"+u.Username, strconv.Itoa(engine))
			if _, err := os.Stat(perfData); err != nil {
				t.Fatalf("the running engine's performance data file: %v; want it there, to see it removed", err)
			}
			t.Cleanup(func() {
				// A killed engine's file, left behind, once it has gone.
				// The command is killed first (the engine dies with it):
				// cleanups run last-registered first, so the kill above
				// would come only after this wait, and an engine whose
				// command outlived its signal was killed after it, its
				// file left.
				_ = cmd.Process.Kill()
				for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
					if !listening.Alive(engine) {
						_ = os.Remove(perfData)
						return
					}
				}
			})
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("dynamodb-local after %v: %v; want exit 0\n%s", sig, err, out)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("dynamodb-local still running 30 s after %v", sig)
			}
			if listening.Alive(engine) {
				t.Errorf("the engine %d runs on after dynamodb-local exited on %v", engine, sig)
			}
			if _, err := os.Stat(perfData); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("after %v, the engine's %s: %v; want it removed by a clean stop", sig, perfData, err)
			}
		})
	}
}
