package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/listening"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/stoptest"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The test binary is also the go command TestStopSignalsStopCleanly gives
// start-api (under the name go on PATH).
func TestMain(m *testing.M) {
	if os.Getenv(fakeGoEnv) != "" {
		runFakeGo(os.Args[1:])
	}
	os.Exit(storetest.Main(m))
}

// fakeGoEnv makes the test binary a go command that builds nothing. With
// the variable set to a file name, go build starts a compiler, writes its
// pid to that file and waits for it (like the real go command it has no
// SIGINT handler: a signal ends it at once, its compiler only if the
// signal reaches it too). With the variable set to "-", go build writes an
// empty bootstrap per package at once. go tool -n names an emulator that
// exists (the test binary: the functions start only on a request).
const fakeGoEnv = "STARTAPI_FAKE_GO"

func runFakeGo(args []string) {
	switch {
	case len(args) > 0 && args[0] == "tool":
		self, err := os.Executable()
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(self)
		os.Exit(0)
	case len(args) > 0 && args[0] == "build" && os.Getenv(fakeGoEnv) == "-":
		i := slices.Index(args, "-o")
		if i < 0 || i+1 >= len(args) {
			os.Exit(3)
		}
		for _, pkg := range args[i+2:] {
			if err := os.WriteFile(filepath.Join(args[i+1], filepath.Base(pkg)), nil, 0o755); err != nil {
				os.Exit(3)
			}
		}
		os.Exit(0)
	case len(args) > 0 && args[0] == "build":
		compiler := exec.Command("sleep", "300")
		if err := compiler.Start(); err != nil {
			os.Exit(3)
		}
		file := os.Getenv(fakeGoEnv)
		if os.WriteFile(file+".tmp", []byte(strconv.Itoa(compiler.Process.Pid)), 0o600) != nil || os.Rename(file+".tmp", file) != nil {
			os.Exit(3)
		}
		_ = compiler.Wait()
	}
	os.Exit(1)
}

// TestStopSignalsStopCleanly: make start-api is stopped by Ctrl-C, by
// SIGTERM, and by closing its terminal, which sends SIGHUP to the
// processes in it, while it builds the functions and once it serves. Each
// is a clean stop, as for make run (cmd/localapi's test of the same name):
// exit 0, quiet during start-up and "Stopping every function, emulator and
// engine..." once serving; go build's own process group (its compilers)
// interrupted; DynamoDB Local, which start-api started, stopped by it
// (SIGTERM, waited for) rather than SIGKILLed by the kernel as its parent
// dies, so that the JVM removes its /tmp/hsperfdata_<user>/<pid> file.
// Before, SIGHUP killed start-api at once (signal: hangup): the compilers
// ran on, orphaned, and the engine left that file behind.
//
// `make start-api | tee log` too: Ctrl-C or a closed terminal ends tee as
// well, and start-api's output is then a pipe no one reads; its writes fail
// (EPIPE) and the stop carries on. Before, its stop's first line to that
// pipe killed it (signal: broken pipe), and the engine was SIGKILLed with
// it, its file left.
//
// A serving start-api stopped by SIGHUP starts its own engine, whose start
// takes most of the test's time; the others use the tests' engine (every
// signal ends the same context, and a building one's own engine would be
// stopped by the same Close). The cases run in parallel.
//
// go is the test binary (runFakeGo), so nothing is compiled: start-api
// runs in a copy of the repository (template, Makefile, events, functions:
// links to the real ones) whose bin/start-api the fake build writes.
func TestStopSignalsStopCleanly(t *testing.T) {
	stoptest.HangupAsFromATerminal()
	storetest.RequireEngine(t)
	root, err := samlocal.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "startapi")
	if out, err := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := t.TempDir()
	for _, name := range []string{"go.mod", "template.yaml", "Makefile", "events", "functions"} {
		if err := os.Symlink(filepath.Join(root, name), filepath.Join(repo, name)); err != nil {
			t.Fatal(err)
		}
	}
	fakeGo := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(fakeGo, "go")); err != nil {
		t.Fatal(err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// Serving first: its SIGHUP cases, each starting its own engine, are
	// the longest, and the cases start in this order, GOMAXPROCS at a time.
	for _, building := range []bool{false, true} {
		for _, tc := range stoptest.Cases {
			sig := tc.Sig
			name := map[bool]string{true: "building", false: "serving"}[building] + "/" + tc.Name()
			t.Run(name, func(t *testing.T) {
				// Each case its own start-api, table (or engine), output and
				// compiler: they wait beside each other (one after another,
				// they were most of the package's time, each mostly waiting
				// for a start-up).
				t.Parallel()
				pidFile := filepath.Join(t.TempDir(), "compiler")
				mode := "-"
				if building {
					mode = pidFile
				}
				// Its own engine only where that engine's stop is what is
				// tested: SIGHUP, the signal that killed it (with and
				// without tee). Every signal ends the same context, and an
				// engine start is most of a case's time.
				ownEngine := !building && sig == syscall.SIGHUP
				cmd := exec.Command(bin)
				cmd.Dir = repo
				cmd.Env = []string{
					"PATH=" + fakeGo + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
					"PORT=" + closedPorts(t, 1)[0], "SWEEP_INTERVAL=1h",
					"DYNAMODB_LOCAL_DIR=" + dynamolocal.DefaultDir(), fakeGoEnv + "=" + mode,
				}
				if ownEngine {
					// The engine runs without HotSpot's performance data
					// (-XX:-UsePerfData); _JAVA_OPTIONS, read after the
					// command line, turns it back on here, so that the file
					// a clean exit removes and a kill leaves witnesses how
					// the engine stopped.
					cmd.Env = append(cmd.Env, "_JAVA_OPTIONS=-XX:+UsePerfData")
				} else {
					cmd.Env = append(cmd.Env, "DYNAMODB_ENDPOINT="+storetest.Endpoint(t),
						"TABLE_NAME="+fmt.Sprintf("signal-%d-%d", os.Getpid(), time.Now().UnixNano()))
				}
				out := &lockedBuffer{}
				teeGone := stoptest.Output(t, cmd, out, tc.TeeGone)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				t.Cleanup(func() { _ = cmd.Process.Kill() })
				// Ready: the build's compiler runs, or the API serves.
				var compiler int
				deadline := time.After(3 * time.Minute)
				for {
					if building {
						if b, err := os.ReadFile(pidFile); err == nil {
							if compiler, err = strconv.Atoi(string(b)); err != nil {
								t.Fatalf("the fake go wrote %q; want its compiler's pid", b)
							}
							t.Cleanup(func() {
								if listening.Alive(compiler) && strings.HasPrefix(cmdline(compiler), "sleep 300") {
									_ = syscall.Kill(compiler, syscall.SIGKILL)
								}
							})
							break
						}
					} else if strings.Contains(out.String(), "Press Ctrl-C to stop.") {
						break
					}
					select {
					case err := <-exited:
						t.Fatalf("start-api exited before it was ready: %v\n%s", err, out)
					case <-deadline:
						t.Fatalf("start-api not ready after 3 minutes\n%s", out)
					case <-time.After(50 * time.Millisecond):
					}
				}
				engine, perfData := -1, "" // the engine start-api started, when its own
				if ownEngine {
					for _, p := range listening.Children(cmd.Process.Pid) {
						if strings.Contains(cmdline(p), "DynamoDBLocal.jar") {
							engine = p
						}
					}
					if engine < 0 {
						t.Fatalf("start-api %d runs no DynamoDB Local\n%s", cmd.Process.Pid, out)
					}
					perfData = filepath.Join("/tmp", "hsperfdata_"+u.Username, strconv.Itoa(engine))
					if _, err := os.Stat(perfData); err != nil {
						t.Fatalf("the running engine's performance data file: %v; want it there, to see it removed", err)
					}
				}
				t.Cleanup(func() {
					if engine < 0 {
						return
					}
					// A killed engine's file, left behind, once it has gone.
					// start-api is killed first (the engine dies with it):
					// cleanups run last-registered first, so the kill above
					// would come only after this wait, and an engine whose
					// start-api outlived its signal was killed after it, its
					// file left.
					_ = cmd.Process.Kill()
					for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
						if !listening.Alive(engine) {
							_ = os.Remove(perfData)
							return
						}
					}
				})

				teeGone()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-exited:
					if tc.TeeGone {
						if err != nil {
							t.Errorf("start-api after %v, its output's reader gone: %v; want exit 0\n%s", sig, err, out)
						}
					} else if building {
						// Quiet: no line but start-up's own.
						said := slices.DeleteFunc(strings.Split(out.String(), "\n"), func(l string) bool {
							return l == "" || strings.HasPrefix(l, "Starting: ") || strings.HasPrefix(l, "start-api  ")
						})
						if err != nil || len(said) != 0 {
							t.Errorf("start-api after %v during the build: %v, saying %q; want a quiet stop (exit 0, nothing said)", sig, err, said)
						}
					} else if err != nil || !strings.Contains(out.String(), "Stopping every function, emulator and engine...") {
						t.Errorf("start-api after %v: %v; want a clean stop (exit 0, Stopping every function, emulator and engine...)\n%s", sig, err, out)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("start-api still running 30 s after %v", sig)
				}
				if building {
					// The interrupt may still be ending it (samlocal's
					// TestCanceledBuildLeavesNoCompiler); an orphan runs 300 s.
					for end := time.Now().Add(10 * time.Second); listening.Alive(compiler); time.Sleep(20 * time.Millisecond) {
						if time.Now().After(end) {
							t.Errorf("go build's compiler %d (%s) still runs 10 s after start-api exited on %v", compiler, cmdline(compiler), sig)
							break
						}
					}
				}
				if engine < 0 {
					return
				}
				if listening.Alive(engine) {
					t.Errorf("the engine %d runs on after start-api exited on %v", engine, sig)
				}
				if _, err := os.Stat(perfData); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("after %v, the engine's %s: %v; want it removed by a clean stop", sig, perfData, err)
				}
			})
		}
	}
}

// cmdline is process pid's command line, its arguments joined by spaces.
func cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}
