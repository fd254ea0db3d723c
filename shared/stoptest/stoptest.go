// Package stoptest gives the tests of the local commands (make run, make
// start-api) the ways a terminal stops them: each stop signal, and output
// piped to a tee that the same Ctrl-C or closed terminal ended.
package stoptest

import (
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
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

// Cases: each stop signal, and `| tee` ended by the same Ctrl-C or closed
// terminal.
var Cases = []Case{
	{Sig: syscall.SIGINT}, {Sig: syscall.SIGTERM}, {Sig: syscall.SIGHUP},
	{Sig: syscall.SIGINT, TeeGone: true}, {Sig: syscall.SIGHUP, TeeGone: true},
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
