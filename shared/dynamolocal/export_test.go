package dynamolocal

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// SetPickPort replaces how Start picks a port for Options.Port 0, for the
// test's duration; it returns the function that restores it.
func SetPickPort(f func() (int, error)) (restore func()) {
	old := pickPort
	pickPort = f
	return func() { pickPort = old }
}

// InstalledEngine returns a folder (Options.Dir) holding a package of the
// engine's shape installed as the pinned one would be (installedEngine).
func InstalledEngine(t *testing.T) string { return installedEngine(t) }

// SetReadyTimeout replaces how long Start waits for the engine to answer,
// for the test's duration; it returns the function that restores it.
func SetReadyTimeout(d time.Duration) (restore func()) {
	old := readyTimeout
	readyTimeout = d
	return func() { readyTimeout = old }
}

// SetSendSignal replaces how Stop signals the engine, for the test's
// duration; f gets the original as next. It returns the function that
// restores it.
func SetSendSignal(f func(next func(*os.Process, syscall.Signal) error, p *os.Process, sig syscall.Signal) error) (restore func()) {
	old := sendSignal
	sendSignal = func(p *os.Process, sig syscall.Signal) error { return f(old, p, sig) }
	return func() { sendSignal = old }
}

// EngineOf starts cmd as Start starts the engine (its own process group)
// and returns its Engine, without waiting for an answer; the test stops it.
func EngineOf(t *testing.T, cmd *exec.Cmd) *Engine {
	t.Helper()
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	e := watch("", cmd)
	t.Cleanup(e.Stop)
	return e
}

// EngineEnv is the environment Start runs the engine's JVM in (engineEnv).
func EngineEnv(environ []string, jarDir string) []string { return engineEnv(environ, jarDir) }

// EngineWithOutputOf is EngineOf with cmd's output kept as a ready
// engine's is (its last 4 KiB), so that Exited reports it.
func EngineWithOutputOf(t *testing.T, cmd *exec.Cmd) *Engine {
	t.Helper()
	tail := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = tail, tail
	e := EngineOf(t, cmd)
	e.out = tail
	return e
}

// SetJavaVersionTimeout replaces how long checkJava waits for `java
// -version`, for the test's duration; it returns the function that
// restores it.
func SetJavaVersionTimeout(d time.Duration) (restore func()) {
	old := javaVersionTimeout
	javaVersionTimeout = d
	return func() { javaVersionTimeout = old }
}
