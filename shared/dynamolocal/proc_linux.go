package dynamolocal

import (
	"os"
	"syscall"
)

// sysProcAttr starts the engine in a process group of its own, which
// signalEngine signals whole: a java on PATH may be a wrapper that runs the
// JVM as its child, without exec, and passes no signal on, and Stop must
// reach that JVM too (it holds the engine's output, so Stop would wait for
// it to exit by itself). In its own group, a Ctrl-C meant for make run or
// make start-api reaches the engine only through them, which stop it in
// order, after their requests drained. And the kernel kills the engine when
// the process that started it dies, so a killed test binary or server never
// leaves a JVM behind (the process started, that is: the JVM of a wrapper
// that does not exec is not reached that way).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalEngine sends sig to the engine's process group (sysProcAttr). The
// group outlives a wrapper that exited while its JVM runs on.
func signalEngine(p *os.Process, sig syscall.Signal) error { return syscall.Kill(-p.Pid, sig) }
