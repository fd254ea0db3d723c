package dynamolocal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/listening"
)

// hangingJava puts a java on a PATH of its own that passes the version check
// as Java 17 and, run as the engine, runs before (shell), writes its process
// id to the returned file and then runs body (shell), never answering HTTP:
// an engine alive but not ready. A test may signal it as soon as the file
// is there, so what must be in place before a signal comes (its traps, a
// child the trap ends) goes in before: a trap set after the file was
// written let a SIGTERM sent at once end the shell unhandled (CI,
// 2026-12-04). A process left running is killed at the test's end.
func hangingJava(t *testing.T, before, body string) (pidFile string) {
	t.Helper()
	bin := t.TempDir()
	pidFile = filepath.Join(bin, "pid")
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.15\" 2025-04-15' >&2; exit 0; fi\n" +
		before + "\n" +
		"echo $$ > '" + pidFile + ".tmp' && mv '" + pidFile + ".tmp' '" + pidFile + "'\n" +
		body + "\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
	t.Cleanup(func() {
		if pid, ok := readPID(pidFile); ok {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return pidFile
}

func readPID(file string) (int, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil
}

// waitPID waits up to 10 s for the engine to write its pid file.
func waitPID(t *testing.T, file string) int {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if pid, ok := readPID(file); ok {
			return pid
		}
	}
	t.Fatalf("the engine never wrote %s", file)
	return 0
}

// gone waits up to d for process pid to have gone (or be a zombie).
func gone(pid int, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !listening.Alive(pid) {
			return true
		}
	}
	return !listening.Alive(pid)
}

// TestStopSendsSIGTERMThenKills: README: SIGTERM, Ctrl-C and a closed
// terminal stop `go run ./cmd/dynamodb-local`: "DynamoDB Local is stopped,
// not killed"; Stop's doc: "Stop ends the engine and waits for it to exit".
// Stop asks first (SIGTERM) and gives the engine time to stop by itself
// (the JVM removes its files), and kills one that does not stop. Start's
// context ending while the engine starts stops it that way (Stop). The
// engines are shell scripts: no Java needed.
func TestStopSendsSIGTERMThenKills(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before string // the engine's shell before it writes its pid file ($MARK is a file it may write)
		body   string // and after
		want   string // what the engine wrote to $MARK
	}{
		// An engine that takes a second to stop on SIGTERM, as a JVM
		// writing its files does, is left to finish.
		{"stops a second after SIGTERM", "sleep 60 & echo $! > \"$MARK.child\"\ntrap 'kill $!; sleep 1; echo TERM > \"$MARK\"; exit 0' TERM", "wait", "TERM"},
		// An engine deaf to SIGTERM is still ended.
		{"ignores SIGTERM", "trap '' TERM", "exec sleep 60", ""},
		// A java on PATH may be a wrapper that runs the engine as its
		// child, without exec, and passes no signal on (listensOn reads
		// the engine's socket among the descendants for it): SIGTERM
		// ends the wrapper, and its child, still holding the engine's
		// output, must end too rather than hold Stop until it exits by
		// itself.
		{"a wrapper that passes no signal on", "sleep 60 & echo $! > \"$MARK.child\"", "wait", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := filepath.Join(t.TempDir(), "mark")
			t.Setenv("MARK", mark)
			t.Cleanup(func() {
				if pid, ok := readPID(mark + ".child"); ok {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			pidFile := hangingJava(t, tc.before, tc.body)
			dir := dynamolocal.InstalledEngine(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				e   *dynamolocal.Engine
				err error
			}
			done := make(chan result, 1)
			go func() {
				e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir})
				done <- result{e, err}
			}()
			pid := waitPID(t, pidFile)
			cancel()
			select {
			case r := <-done:
				if r.err == nil {
					r.e.Stop()
					t.Fatal("Start() = an engine; want the context's error")
				}
				if !errors.Is(r.err, context.Canceled) {
					t.Errorf("Start() = %v; want context.Canceled", r.err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Start still running 30 s after its context ended")
			}
			if !gone(pid, 0) {
				t.Errorf("the engine (pid %d) runs on after Start returned", pid)
			}
			if child, ok := readPID(mark + ".child"); ok && !gone(child, time.Second) {
				t.Errorf("the engine's child (pid %d) runs on after Start returned", child)
			}
			b, _ := os.ReadFile(mark)
			if got := strings.TrimSpace(string(b)); got != tc.want {
				t.Errorf("the engine wrote %q; want %q", got, tc.want)
			}
		})
	}
}

// TestStartGivesUpOnAnEngineThatNeverAnswers: Start's wait: "the deadline
// only ends the wait for one that is alive but slow". Past it Start
// answers an error, not an engine, and stops the JVM it started rather
// than leaving it running.
//
// The engine is the process Stop signals (SetSendSignal), not the one
// whose pid file the engine writes: a 300 ms deadline could pass before
// the engine's shell wrote that file, and Stop then ended it before it
// did, so the test failed on a missing file (1 run of 180, three copies
// beside a CPU hog; every run with the shell held back a second). The
// file, when written, names the same process; without a signal (a Start
// that gives up and leaves it running) it is read to find the process.
func TestStartGivesUpOnAnEngineThatNeverAnswers(t *testing.T) {
	defer dynamolocal.SetReadyTimeout(300 * time.Millisecond)()
	var mu sync.Mutex
	signalled := 0 // the process Stop signalled first
	defer dynamolocal.SetSendSignal(func(next func(*os.Process, syscall.Signal) error, p *os.Process, sig syscall.Signal) error {
		mu.Lock()
		if signalled == 0 {
			signalled = p.Pid
		}
		mu.Unlock()
		return next(p, sig)
	})()
	pidFile := hangingJava(t, "", "exec sleep 60")
	dir := dynamolocal.InstalledEngine(t)
	done := make(chan error, 1)
	go func() {
		e, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Dir: dir})
		if err == nil {
			e.Stop()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Start() = an engine that never answered; want an error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Start still waiting 30 s into a 300 ms ready deadline")
	}
	mu.Lock()
	pid := signalled
	mu.Unlock()
	if pid == 0 {
		t.Error("Start gave up on the engine without signalling it; want it stopped")
		pid = waitPID(t, pidFile)
	} else if written, ok := readPID(pidFile); ok && written != pid {
		t.Errorf("Stop signalled pid %d; want the engine, pid %d", pid, written)
	}
	if !gone(pid, 0) {
		t.Errorf("the engine (pid %d) runs on after Start gave up on it", pid)
	}
}

// starterEnv names the install folder TestAKilledStarterLeavesNoEngine's
// child starts the engine from.
const starterEnv = "DYNAMOLOCAL_TEST_STARTER_DIR"

// TestAKilledStarterLeavesNoEngine: sysProcAttr's doc: it "kills the
// engine when the process that started it dies, so a killed test binary or
// server never leaves a JVM behind". This test binary, run again, starts
// an engine (a shell script, no Java) and is killed with SIGKILL, which it
// cannot catch, while it waits for it: the engine dies with it.
func TestAKilledStarterLeavesNoEngine(t *testing.T) {
	if dir := os.Getenv(starterEnv); dir != "" {
		e, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Dir: dir})
		if err == nil {
			e.Stop()
		}
		t.Fatalf("Start() = %v; want it to wait until this process is killed", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := hangingJava(t, "", "exec sleep 60")
	cmd := exec.Command(self, "-test.run=^TestAKilledStarterLeavesNoEngine$")
	cmd.Env = append(os.Environ(), starterEnv+"="+dynamolocal.InstalledEngine(t))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	pid := waitPID(t, pidFile)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	if !gone(pid, 5*time.Second) {
		t.Errorf("the engine (pid %d) runs on 5 s after the process that started it was killed", pid)
	}
}
