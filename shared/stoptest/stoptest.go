// Package stoptest gives the tests of the local commands (make run, make
// start-api) the ways a terminal stops them: each stop signal, and output
// piped to a tee that the same Ctrl-C or closed terminal ended.
package stoptest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// Case is a signal and whether the output is a pipe whose reader (tee)
// has gone when the signal comes.
type Case struct {
	Sig     syscall.Signal
	TeeGone bool
}

// Name names c for t.Run.
func (c Case) Name() string {
	if c.TeeGone {
		return c.Sig.String() + "/tee gone"
	}
	return c.Sig.String()
}

// Cases are each stop signal, and `| tee` ended by the same Ctrl-C or
// closed terminal.
var Cases = []Case{
	{Sig: syscall.SIGINT}, {Sig: syscall.SIGTERM}, {Sig: syscall.SIGHUP},
	{Sig: syscall.SIGINT, TeeGone: true}, {Sig: syscall.SIGHUP, TeeGone: true},
}

// startedIgnoringHangup reports whether this process began with SIGHUP
// ignored (under nohup): read once, before HangupAsFromATerminal changes it.
var startedIgnoringHangup = sync.OnceValue(func() bool { return signal.Ignored(syscall.SIGHUP) })

// hangups receives (and drops) the SIGHUPs of a process that began
// ignoring them.
var hangups = make(chan os.Signal, 1)

// HangupAsFromATerminal makes the commands a test starts from now on
// begin with SIGHUP at its default, as from a terminal, however this test
// process was started. Under nohup (SIGHUP ignored) every child would
// inherit the ignore, and a command that rightly keeps an inherited ignore
// (dynamolocal.StopSignals) would not stop on the test's SIGHUP: the test
// would fail for how it was run, not for the command. A signal this
// process handles is set back to its default in a child (at exec), an
// ignored one is not; so this process handles SIGHUP from here on, and
// drops it, as it ignored it before. A process that did not begin ignoring
// SIGHUP is left as it is. Call it first in any test that sends a
// command SIGHUP, and again after a signal.Reset of SIGHUP.
func HangupAsFromATerminal() {
	if startedIgnoringHangup() {
		signal.Notify(hangups, syscall.SIGHUP)
	}
}

// Output gives cmd's stdout and stderr to out: directly, or with teeGone
// through a pipe read into out until the returned func closes its read end
// (a tee that has died). Call that func before the signal.
func Output(t testing.TB, cmd *exec.Cmd, out io.Writer, teeGone bool) func() {
	t.Helper()
	if !teeGone {
		cmd.Stdout, cmd.Stderr = out, out
		return func() {}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	cmd.Stdout, cmd.Stderr = w, w
	go func() { _, _ = io.Copy(out, r) }()
	return func() {
		w.Close() // the command's copy only, once it has started
		r.Close()
	}
}

// ErrClose is what a StubbornListener's Close returns.
var ErrClose = errors.New("the listener could not be closed")

// ErrAccept is what a StubbornListener's Accept returns when RefuseAccept.
var ErrAccept = errors.New("accept refused")

// StubbornListener is a stop that fails: its Close closes the listener
// and returns ErrClose. With RefuseAccept its Accept fails at once, so a
// server's Serve returns on its own (and closes it, dropping the error).
type StubbornListener struct {
	net.Listener
	RefuseAccept bool
}

// Accept accepts, or fails with ErrAccept when l.RefuseAccept.
func (l StubbornListener) Accept() (net.Conn, error) {
	if l.RefuseAccept {
		return nil, ErrAccept
	}
	return l.Listener.Accept()
}

// Close closes the listener and returns ErrClose.
func (l StubbornListener) Close() error {
	l.Listener.Close()
	return ErrClose
}

// StubbornStop is a moment at which a server on a StubbornListener is
// stopped.
type StubbornStop struct {
	Name         string
	Serving      bool // a request answered before the stop
	RefuseAccept bool // the listener's Accept fails: Serve returned on its own
}

// StubbornStops are the moments: at once after start-up (Serve's
// goroutine may not have run, and then closes the listener itself), while
// serving (Shutdown closes it), and after Serve returned on its own
// (having closed it).
var StubbornStops = []StubbornStop{
	{Name: "stopped at once after start-up"},
	{Name: "stopped while serving", Serving: true},
	{Name: "Serve returned on its own", RefuseAccept: true},
}

// StoppedServer is what CheckStubbornStop stops: make run's server, make
// start-api's stack.
type StoppedServer interface {
	Served() <-chan error
	Close() error
}

// CheckStubbornStop brings s, started on StubbornListener{RefuseAccept:
// c.RefuseAccept}, to c's moment (a GET of url answered, or Serve returned
// with ErrAccept) and holds that Close, and Close again, return ErrClose:
// a stop that failed is never a quiet one.
func CheckStubbornStop(t *testing.T, c StubbornStop, s StoppedServer, url string) {
	t.Helper()
	if c.Serving {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if c.RefuseAccept {
		select {
		case err := <-s.Served():
			if !errors.Is(err, ErrAccept) {
				t.Fatalf("Served() = %v; want %v", err, ErrAccept)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Serve did not return 30 s after its Accept failed")
		}
	}
	if err := s.Close(); !errors.Is(err, ErrClose) {
		t.Errorf("Close() = %v; want %v", err, ErrClose)
	}
	if err := s.Close(); !errors.Is(err, ErrClose) {
		t.Errorf("Close() again = %v; want %v", err, ErrClose)
	}
}

// CheckEngineExitEndsServing kills (SIGKILL, to its process group) the
// DynamoDB Local that a serving make run or make start-api started,
// engine its pid, and checks that the server stops serving with the
// engine's exit: served (its Served channel) says nothing before the kill
// and dynamolocal.ErrEngineExited within 30 s after it.
func CheckEngineExitEndsServing(t *testing.T, engine int, served <-chan error) {
	t.Helper()
	select {
	case err := <-served:
		t.Fatalf("Served() before the engine exited = %v; want nothing yet", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := syscall.Kill(-engine, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, dynamolocal.ErrEngineExited) {
			t.Errorf("Served() after the engine was killed = %v; want ErrEngineExited", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server still serves 30 s after its engine was killed; want Served() to say the engine exited")
	}
}

// CheckCloseReportsNoEngineExit checks that a server already closed, served
// its Served channel, says nothing of an engine exit: Close stopped that
// engine. Every value served gives within 2 s is read: Serve's end comes
// first, and an exit wrongly reported would follow it.
func CheckCloseReportsNoEngineExit(t *testing.T, served <-chan error) {
	t.Helper()
	deadline := time.After(2 * time.Second)
	for {
		select {
		case err := <-served:
			if errors.Is(err, dynamolocal.ErrEngineExited) {
				t.Errorf("Served() after Close = %v; want no engine exit", err)
			}
		case <-deadline:
			return
		}
	}
}

// KillEngine is a hook for the engine a server has just started: it kills
// the engine (SIGKILL, to its process group) and waits for its exit.
func KillEngine(t *testing.T) func(*dynamolocal.Engine) {
	return func(e *dynamolocal.Engine) {
		if err := syscall.Kill(-e.PID(), syscall.SIGKILL); err != nil {
			t.Error(err)
		}
		<-e.Done()
	}
}
