package dynamolocal_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dynamolocal"
	"github.com/paysessions/paysessions/shared/listening"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// fakeJava puts a java on a PATH of its own that prints script's output
// for -version and fails otherwise, as a real old Java fails on
// DynamoDB Local's classes.
func fakeJava(t *testing.T, version string, versionExit int) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -version ]; then printf '%s\\n' '" + version + "' >&2; exit " + string(rune('0'+versionExit)) + "; fi\n" +
		"echo 'Exception in thread \"main\" java.lang.UnsupportedClassVersionError: ServerRunner has been compiled by a more recent version of the Java Runtime (class file version 61.0), this version of the Java Runtime only recognizes class file versions up to 52.0' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+"/usr/bin:/bin")
}

// TestStartWithAnOldOrBrokenJava: README's prerequisite is "Java 17 or
// later (DynamoDB Local runs on it)". A java on PATH that is older (a
// machine's default Java 8 first on PATH) or does not run is named as the
// problem, with what to install, before anything is downloaded. Before,
// Start downloaded the 50 MB engine and then said "DynamoDB Local exited
// before it was ready (port N busy?)" with the JVM's
// UnsupportedClassVersionError: the port guess misled, and nothing said
// which Java was needed.
func TestStartWithAnOldOrBrokenJava(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		exit          int
	}{
		{"java 8", `java version "1.8.0_392"` + "\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)", 0},
		{"openjdk 11", `openjdk version "11.0.25" 2024-10-15`, 0},
		{"picked-up options first", "Picked up JAVA_TOOL_OPTIONS: -Xmx64m\n" + `openjdk version "16" 2021-03-16`, 0},
		{"does not run", "Error: could not find libjava.so", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeJava(t, tc.version, tc.exit)
			// A registry that would be asked first if the check did
			// not come before the download.
			var asked bool
			reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked = true
				http.NotFound(w, r)
			}))
			defer reg.Close()
			t.Setenv("npm_config_registry", reg.URL)
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			e, err := dynamolocal.Start(ctx, dynamolocal.Options{Dir: dir})
			if err == nil {
				e.Stop()
				t.Fatal("Start() = an engine; want ErrJavaTooOld")
			}
			if !errors.Is(err, dynamolocal.ErrJavaTooOld) {
				t.Fatalf("Start() = %v; want ErrJavaTooOld", err)
			}
			if !strings.Contains(err.Error(), "openjdk-17") {
				t.Errorf("Start() = %v; want it to say what to install", err)
			}
			if asked {
				t.Error("the registry was asked; want the check before any download")
			}
			if names, _ := os.ReadDir(dir); len(names) != 0 {
				t.Errorf("install folder = %v; want it untouched", names)
			}
		})
	}
}

// TestStartOnAPortTakenInTheMeantime: Start picks a free port, releases it
// and gives it to the JVM, which binds it seconds later; another process
// (another helper's engine, a test server) can take it in between. Before,
// the JVM's BindException ended Start ("exited before it was ready"), so a
// whole `make test` or `make run` failed; now Start picks another port.
func TestStartOnAPortTakenInTheMeantime(t *testing.T) {
	storetest.RequireEngine(t)
	// The first pick is a port a server holds on every interface, as the
	// engine binds it.
	taken, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	picks, restore := pickTakenFirst(takenPort)
	defer restore()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() with its first port taken = %v; want an engine on another port", err)
	}
	defer e.Stop()
	if *picks != 2 {
		t.Errorf("ports picked = %d; want 2", *picks)
	}
	resp, err := http.Get(e.Endpoint)
	if err != nil {
		t.Fatalf("GET %s: %v", e.Endpoint, err)
	}
	resp.Body.Close()
}

// TestStartOnAPortAnotherServerAnswersOn: the port Start picked is taken
// in the meantime by a server that answers HTTP (another helper's engine,
// a test server), so the JVM started here exits on its bind. Before, Start
// took that server's answer, given while its own JVM was still alive, for
// the engine's and returned an Engine whose endpoint was the other server
// (and whose JVM exited a moment later); the retry on BindException never
// ran. An answer counts only once the JVM started here listens on the port.
func TestStartOnAPortAnotherServerAnswersOn(t *testing.T) {
	storetest.RequireEngine(t)
	taker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Taker", "1")
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer taker.Close()
	takenPort := taker.Listener.Addr().(*net.TCPAddr).Port
	picks, restore := pickTakenFirst(takenPort)
	defer restore()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() with its first port taken by a server = %v; want an engine on another port", err)
	}
	defer e.Stop()
	if e.Endpoint == taker.URL {
		t.Fatalf("Start() = the other server's endpoint %s; want its own engine's", e.Endpoint)
	}
	if *picks != 2 {
		t.Errorf("ports picked = %d; want 2", *picks)
	}
	select {
	case <-e.Done():
		t.Fatal("the engine Start returned has exited")
	default:
	}
	resp, err := http.Get(e.Endpoint)
	if err != nil {
		t.Fatalf("GET %s: %v", e.Endpoint, err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Taker") != "" {
		t.Errorf("GET %s answered by the other server; want the engine", e.Endpoint)
	}
}

// TestStartWithAJavaWrapperThatDoesNotExec: the java on PATH may be a
// script that runs the real one as its child (no exec), so the engine's
// socket is not the started process's own; Start still finds it ready
// (it looks for the socket among the process's descendants too), and Stop
// ends that JVM too, though the wrapper passes no signal on (Stop signals
// the engine's process group): it returns, and the engine answers no more.
func TestStartWithAJavaWrapperThatDoesNotExec(t *testing.T) {
	storetest.RequireEngine(t)
	real, err := exec.LookPath("java")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	// It does not pass SIGTERM (Stop's signal) on: SIGTERM ends it and
	// leaves its JVM, which holds the engine's output, to Stop.
	script := "#!/bin/sh\n'" + real + "' \"$@\" &\nwait $!\n"
	if err := os.WriteFile(filepath.Join(bin, "java"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := dynamolocal.Start(ctx, dynamolocal.Options{})
	if err != nil {
		t.Fatalf("Start() with a java wrapper = %v; want an engine", err)
	}
	defer e.Stop()
	resp, err := http.Get(e.Endpoint)
	if err != nil {
		t.Fatalf("GET %s: %v", e.Endpoint, err)
	}
	resp.Body.Close()
	tree := listening.Tree(e.PID()) // the wrapper and its JVM
	stopped := make(chan struct{})
	go func() { e.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		for _, pid := range tree {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		<-stopped
		t.Fatal("Stop still waiting 30 s after it was called")
	}
	c := http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(e.Endpoint); err == nil {
		resp.Body.Close()
		t.Errorf("GET %s after Stop = %s; want no engine there", e.Endpoint, resp.Status)
	}
}

// pickTakenFirst makes Start's first port pick takenPort and each later one
// a free port; picks counts them. restore puts the real picker back.
func pickTakenFirst(takenPort int) (picks *int, restore func()) {
	picks = new(int)
	restore = dynamolocal.SetPickPort(func() (int, error) {
		*picks++
		if *picks == 1 {
			return takenPort, nil
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	})
	return picks, restore
}
